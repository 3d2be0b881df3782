// Entry point the worker bundles: every workflow type, nothing else.
export { expedienteWorkflow } from './expediente/workflow';
export { correoWorkflow } from './correo';
export { escritoWorkflow, cargoEscritoWorkflow } from './escrito';
export { resumenDiarioWorkflow } from './resumen-diario';
