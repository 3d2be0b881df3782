// The scale seed of the trays benchmark: 200,000 expedientes and 2,000,000 history rows written
// by set-based SQL (generate_series) straight into the read model of the benchmark's private
// database, spread over three years, twenty offices, every state and five thousand filers, with
// the open cases mostly recent as in a real institution. The
// trays' indexes (their migration) are dropped first and built again on the full tables, as a
// deployment that adds them to a big database would.
import type { Knex } from 'knex';

const MIGRATION = '20261123000001_bandejas_indices.ts';
const OFICINAS = ['GG', 'OAJ', 'OA', 'RRHH', ...Array.from({ length: 16 }, (_, i) => `U${String(i + 1).padStart(2, '0')}`)];
const TIPOS = ['CARTA', 'OFICIO', 'SOLICITUD', 'INFORME', 'OTROS'];
const ASUNTOS = ['copia certificada', 'constancia de trabajo', 'acceso a la información', 'licencia de funcionamiento', 'reclamo', 'recurso de apelación', 'devolución de pago', 'certificado', 'queja', 'vacaciones'];
export const FILERS = 5000;

const list = (xs: string[]) => `array[${xs.map((x) => `'${x}'`).join(', ')}]`;

export async function seedTrays(db: Knex, opts: { expedientes: number; historialPorExpediente: number }) {
  await db.migrate.down({ name: MIGRATION });
  await db('unidades')
    .insert(OFICINAS.filter((c) => c.startsWith('U')).map((codigo) => ({ codigo, nombre: `Unidad de prueba ${codigo}`, padre_codigo: 'GG' })))
    .onConflict('codigo')
    .ignore();
  await db.raw(`
    insert into cuentas (rol, tipo_persona, tipo_documento, numero_documento, email, nombres, apellido_paterno)
    select 'ciudadano', 'NATURAL', 'DNI', (10000000 + i)::text, 'filer' || i || '@bench.pe', 'Persona', 'Prueba ' || i
    from generate_series(0, ${FILERS - 1}) i`);
  const [{ base }] = (await db('cuentas').where('email', 'like', '%@bench.pe').min('id as base')) as { base: number }[];

  // One filing every 7 minutes up to now (about 2.7 years). The recent 40 % holds the work in
  // progress (15 % pending, 5 % observed, 30 % derived, half of them received, 40 % attended); of
  // the older 60 %, 97 % are closed and a few are stuck (2 % derived, 1 % pending).
  const n = opts.expedientes;
  await db.raw(`
    insert into expedientes (numero, anio, correlativo, workflow_id, estado, tipo_documento, numero_documento, asunto, remitente,
      unidad, recibido, presentado_en, recibido_en, fecha_presentacion, vence_en, vencido, folios, cuenta_id, ultima_secuencia, created_at, updated_at)
    select lpad(c::text, 5, '0') || '-' || a, a, c, 'expediente-' || a || '-' || lpad(c::text, 5, '0'), estado,
      (${list(TIPOS)})[1 + (g / 3) % 5], 'S/N', 'Solicito ' || (${list(ASUNTOS)})[1 + (g / 7) % 10] || ' ' || g, 'Persona Prueba ' || (g % ${FILERS}),
      case when estado = 'PENDIENTE_VALIDACION' or (estado = 'OBSERVADO' and g % 40 < 20) then null else (${list(OFICINAS)})[1 + (g / 20) % ${OFICINAS.length}] end,
      estado = 'ATENDIDO' or (estado = 'DERIVADO' and (g / 11) % 2 = 0),
      p, p, (p at time zone 'America/Lima')::date,
      p + interval '45 days', estado in ('PENDIENTE_VALIDACION', 'OBSERVADO', 'DERIVADO') and p + interval '45 days' < now(),
      1 + g % 40, ${base} + g % ${FILERS}, ${opts.historialPorExpediente}, p, least(p + (g % 20) * interval '1 day', now())
    from (
      select g, 2024 + (g - 1) / 70000 as a, 1 + (g - 1) % 70000 as c,
        now() - (${n} - g) * interval '7 minutes' as p,
        case when g > ${n} * 0.6 then
          case when g % 20 < 3 then 'PENDIENTE_VALIDACION' when g % 20 = 3 then 'OBSERVADO' when g % 20 < 10 then 'DERIVADO'
               when g % 20 < 18 then 'ATENDIDO' when g % 20 = 18 then 'ANULADO' else 'ARCHIVADO' end
        else
          case when g % 100 < 2 then 'DERIVADO' when g % 100 = 2 then 'PENDIENTE_VALIDACION'
               when g % 100 < 90 then 'ATENDIDO' when g % 100 < 95 then 'ANULADO' else 'ARCHIVADO' end
        end as estado
      from generate_series(1, ${n}) g
    ) s`);

  await db.raw(`
    insert into historial (expediente_id, secuencia, accion, estado_anterior, estado_nuevo, actor, unidad, nota, ocurrido_en)
    select e.id, s, (array['PRESENTAR', 'DERIVAR', 'RECIBIR', 'OBSERVAR', 'SUBSANAR', 'DERIVAR', 'RECIBIR', 'DERIVAR', 'RECIBIR', 'ATENDER'])[1 + (s - 1) % 10],
      null, e.estado, 'clerk@demo.gob.pe', e.unidad, 'Paso ' || s, e.presentado_en + s * interval '1 hour'
    from expedientes e cross join generate_series(1, ${opts.historialPorExpediente}) s`);

  await db.migrate.up({ name: MIGRATION });
  await db.raw('vacuum analyze expedientes');
  await db.raw('vacuum analyze historial');
  await db.raw('analyze cuentas');
}
