// Entry point the worker bundles: every workflow type, nothing else.
export { expedienteWorkflow } from './expediente';
export { correoWorkflow } from './correo';
