// Demo data for a first start (DEMO=1): offices and document types of a made-up institution.
// Upserts, so running it on every start changes nothing once it is there.
import type { Knex } from 'knex';
import { hashPassword, seal } from './secrets';

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

/** The demo admin's TOTP secret (DEMO_TOTP_SECRET) and the APP_SECRET that seals it. */
export interface DemoTotp {
  secret: string;
  appSecret: string;
}

export async function seedDemo(db: Knex, demoPassword?: string, demoTotp?: DemoTotp) {
  for (const u of DEMO_UNIDADES) await db('unidades').insert(u).onConflict('codigo').ignore();
  await db('tipos_documento').insert(DEMO_TIPOS).onConflict('codigo').ignore();
  if (demoPassword) await seedDemoAccounts(db, demoPassword);
  if (demoPassword && demoTotp) await seedDemoTotp(db, demoTotp);
}

/** admin@demo.gob.pe logs in with a second factor, as every admin must (DOBLE_FACTOR_ROLES). */
async function seedDemoTotp(db: Knex, { secret, appSecret }: DemoTotp) {
  const admin = await db('cuentas').where({ email: 'admin@demo.gob.pe' }).first('id');
  const now = new Date();
  await db('segundos_factores')
    .insert({ cuenta_id: admin.id, secreto_cifrado: seal(appSecret, 'totp', secret, String(admin.id)), creado_en: now, confirmado_en: now })
    .onConflict('cuenta_id')
    .ignore();
}

/** Staff accounts of DESIGN.md "Running it" and one citizen, all with DEMO_PASSWORD. */
export async function seedDemoAccounts(db: Knex, demoPassword: string) {
  const passwordHash = await hashPassword(demoPassword);
  const now = new Date();
  const people = [
    { email: 'mesa@demo.gob.pe', rol: 'mesa_partes', unidad_codigo: 'MP', nombres: 'Marta', apellido_paterno: 'Salazar', apellido_materno: 'Ríos' },
    { email: 'unidad@demo.gob.pe', rol: 'unidad', unidad_codigo: 'OAJ', nombres: 'Jorge', apellido_paterno: 'Vílchez', apellido_materno: 'Paredes' },
    { email: 'supervisor@demo.gob.pe', rol: 'supervisor', unidad_codigo: null, nombres: 'Elena', apellido_paterno: 'Cárdenas', apellido_materno: 'Soto' },
    { email: 'admin@demo.gob.pe', rol: 'admin', unidad_codigo: null, nombres: 'Luis', apellido_paterno: 'Huamán', apellido_materno: 'Torres' },
    {
      email: 'ciudadano@demo.pe',
      rol: 'ciudadano',
      unidad_codigo: null,
      nombres: 'Rosa',
      apellido_paterno: 'Quispe',
      apellido_materno: 'Mamani',
      tipo_documento: 'DNI',
      numero_documento: '40000001',
      telefono: '987654321',
      fecha_nacimiento: '1990-05-14',
    },
  ];
  for (const p of people) {
    await db('cuentas')
      .insert({ tipo_persona: 'NATURAL', password_hash: passwordHash, email_verificado_en: now, created_at: now, updated_at: now, ...p })
      .onConflict('email')
      .ignore();
  }
  return people.map((p) => ({ email: p.email, rol: p.rol }));
}

