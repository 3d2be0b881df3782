// Demo data for a first start (DEMO=1): offices and document types of a made-up institution.
// Upserts, so running it on every start changes nothing once it is there.
import type { Knex } from 'knex';

export const DEMO_UNIDADES = [
  { codigo: 'MP', nombre: 'Mesa de Partes', padre_codigo: null, es_mesa_partes: true },
  { codigo: 'GG', nombre: 'Gerencia General', padre_codigo: null, es_mesa_partes: false },
  { codigo: 'OAJ', nombre: 'Oficina de Asesoría Jurídica', padre_codigo: 'GG', es_mesa_partes: false },
  { codigo: 'OA', nombre: 'Oficina de Administración', padre_codigo: 'GG', es_mesa_partes: false },
  { codigo: 'RRHH', nombre: 'Unidad de Recursos Humanos', padre_codigo: 'OA', es_mesa_partes: false },
];

export const DEMO_TIPOS = [
  { codigo: 'CARTA', nombre: 'Carta' },
  { codigo: 'OFICIO', nombre: 'Oficio' },
  { codigo: 'SOLICITUD', nombre: 'Solicitud' },
  { codigo: 'INFORME', nombre: 'Informe' },
  { codigo: 'OTROS', nombre: 'Otros' },
];

export async function seedDemo(db: Knex, _config?: unknown) {
  for (const u of DEMO_UNIDADES) await db('unidades').insert(u).onConflict('codigo').ignore();
  await db('tipos_documento').insert(DEMO_TIPOS).onConflict('codigo').ignore();
}
