// Tells staff that work arrived (issue #15): a case derived to their office, a case they observed
// and the citizen subsanó, an escrito to a case they hold (activities/escritos.ts). Each person chose
// how in their profile (cuentas.avisos): a mail per event, one daily digest at the opening of each
// business day (the avisos wait in avisos_personal), or nothing. Every write is keyed by its event,
// so a retried activity or a replayed workflow queues nothing twice.
import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/activity';
import type { Config } from '../lib/config';
import { queueMail, type QueuedMail } from '../lib/outbox';
import { calendarSettings } from '../lib/business-calendar';
import { formatDay, formatLimaInstant } from '../lib/documents';
import { isBusinessDay, isValidDay, limaDay, limaInstant } from '../domain/calendar';
import { displayName } from '../domain/persona';
import {
  bandejaTrasSubsanar,
  destinatariosDerivacion,
  destinatariosSubsanacion,
  type Destinatarios,
  type PreferenciaAvisos,
  type TipoAviso,
} from '../domain/avisos';
import type { Estado } from '../domain/lifecycle';

export interface AvisoActivityDeps {
  db: Knex;
  config: Config;
}

/** One event, as a person's digest lists it. */
export interface Aviso {
  /** Unique per event; a person's mail is keyed `<evento>:<cuenta>`, their digest entry by both. */
  evento: string;
  tipo: TipoAviso;
  expedienteId: number;
  numero: string;
  asunto: string;
  detalle: string | null;
  /** The case's page. */
  enlace: string;
  /** The tray it waits in. */
  bandeja: string | null;
  ocurridoEn: Date;
}

/** A person to tell, with their choice. */
export interface Persona {
  id: number;
  email: string;
  avisos: PreferenciaAvisos;
  nombres: string | null;
  apellido_paterno: string | null;
  apellido_materno: string | null;
}

export interface AvisosEncolados {
  /** The mails queued (or queued by an earlier try), for the workflow to hand over. */
  correoIds: number[];
  maxRetrySeconds: number;
}

const TITULO: Record<TipoAviso, string> = {
  DERIVACION: 'Derivado a su unidad',
  SUBSANACION: 'Subsanado por el administrado',
  ESCRITO: 'Escrito nuevo',
};
const DETALLE: Record<TipoAviso, string> = {
  DERIVACION: 'Proveído',
  SUBSANACION: 'Subsanación',
  ESCRITO: 'Documento',
};

/** The active staff whose desk it is: every mesa de partes clerk, or the staff of one office (rol `unidad`). */
export function personalDe(trx: Knex, d: Destinatarios): Promise<Persona[]> {
  return trx('cuentas')
    .where({ activo: true })
    .modify((q) => {
      if (d.mesa) q.where({ rol: 'mesa_partes' });
      else q.where({ rol: 'unidad', unidad_codigo: d.unidad });
    })
    .orderBy('id')
    .select('id', 'email', 'avisos', 'nombres', 'apellido_paterno', 'apellido_materno');
}

/**
 * Tells each person as they chose, in the caller's transaction: «Cada aviso» queues the mail `mail`
 * gives, «Resumen diario» keeps the aviso for the next digest, «Ninguno» nothing. Returns the mails.
 */
export async function avisar(
  trx: Knex,
  config: Config,
  personas: Persona[],
  aviso: Aviso,
  mail: (p: Persona) => Pick<QueuedMail, 'template' | 'data'>,
  now: Date,
): Promise<number[]> {
  const ids: number[] = [];
  for (const p of personas) {
    if (p.avisos === 'NINGUNO') continue;
    if (p.avisos === 'RESUMEN_DIARIO') {
      await trx('avisos_personal')
        .insert({
          cuenta_id: p.id,
          evento: aviso.evento,
          tipo: aviso.tipo,
          expediente_id: aviso.expedienteId,
          numero: aviso.numero,
          asunto: aviso.asunto,
          detalle: aviso.detalle,
          enlace: aviso.enlace,
          bandeja: aviso.bandeja,
          ocurrido_en: aviso.ocurridoEn,
          creado_en: now,
        })
        .onConflict(['cuenta_id', 'evento'])
        .ignore();
      continue;
    }
    const id = await queueMail(trx, config, { ...mail(p), evento: `${aviso.evento}:${p.id}`, to: p.email }, now, true);
    if (id) ids.push(id);
  }
  return ids;
}

interface PasoRow {
  secuencia: number;
  accion: string;
  estado_anterior: Estado | null;
  estado_nuevo: Estado;
  actor: string;
  unidad: string | null;
  nota: string | null;
  ocurrido_en: Date;
}

export function createAvisoActivities(deps: AvisoActivityDeps) {
  const { db, config } = deps;
  const base = config.http.publicUrl;
  const retry = config.mailRetryMaxSeconds;
  const perfil = `${base}/cuenta/perfil`;

  /** Who acted, as the seguimiento's actor (an e-mail) names an account. */
  async function nombreDe(trx: Knex, actor: string) {
    const c = await trx('cuentas').where({ email: actor }).first('nombres', 'apellido_paterno', 'apellido_materno', 'razon_social');
    return (c && displayName(c)) || actor;
  }

  const unidadNombre = async (trx: Knex, codigo: string) => ((await trx('unidades').where({ codigo }).first('nombre'))?.nombre as string | undefined) ?? codigo;

  /** One person's digest for `fecha`, at most: what waits for them, marked sent with its mail in one transaction. */
  async function resumenDe(cuentaId: number, fecha: string, now: Date): Promise<boolean> {
    return db.transaction(async (trx) => {
      // Locked: two runs for the same day (a retry, a catch-up) take turns, the second finds the first's mail.
      const p = await trx('cuentas').where({ id: cuentaId }).forUpdate().first();
      const evento = `resumen-avisos:${fecha}:${cuentaId}`;
      if (!p?.activo || p.avisos === 'NINGUNO' || (await trx('correos').where({ evento }).first('id'))) return false;
      const avisos = await trx('avisos_personal').where({ cuenta_id: cuentaId }).whereNull('enviado_en').orderBy('id');
      if (!avisos.length) return false;
      const correoId = await queueMail(
        trx,
        config,
        {
          evento,
          to: p.email,
          template: 'resumen-avisos',
          data: {
            nombre: displayName(p),
            fecha: formatDay(fecha),
            total: avisos.length,
            avisos: avisos.map((a, i) => ({
              n: i + 1,
              titulo: TITULO[a.tipo as TipoAviso],
              numero: a.numero,
              asunto: a.asunto,
              detalleNombre: DETALLE[a.tipo as TipoAviso],
              detalle: a.detalle ?? '',
              ocurrido: formatLimaInstant(new Date(a.ocurrido_en)),
              enlace: a.enlace,
            })),
            bandeja: `${base}/bandeja`,
            perfil,
          },
        },
        now,
        true,
      );
      await trx('avisos_personal')
        .whereIn('id', avisos.map((a) => a.id))
        .update({ enviado_en: now, correo_id: correoId, resumen_fecha: fecha });
      return true;
    });
  }

  return {
    /**
     * Tells the staff of the step `secuencia` of the case, as each chose: after a DERIVAR, the staff
     * of the office it names; after a SUBSANAR, whoever observed (domain/avisos.ts). Any other step: no one.
     */
    async avisarPersonal({ numero, secuencia }: { numero: string; secuencia: number }): Promise<AvisosEncolados> {
      const now = new Date();
      const correoIds = await db.transaction(async (trx) => {
        const exp = await trx('expedientes').where({ numero }).first('id', 'numero', 'asunto', 'remitente');
        if (!exp) throw new Error(`Expediente ${numero} no existe en el modelo de lectura`);
        const paso: PasoRow | undefined = await trx('historial').where({ expediente_id: exp.id, secuencia }).first();
        if (!paso) throw new Error(`El paso ${secuencia} del expediente ${numero} no está registrado`);
        const enlace = `${base}/expedientes/${numero}`;
        const ocurridoEn = new Date(paso.ocurrido_en);
        if (paso.accion === 'DERIVAR' && paso.unidad) {
          const bandeja = `${base}/bandeja/por-recibir`;
          const unidad = await unidadNombre(trx, paso.unidad);
          const derivadoPor = await nombreDe(trx, paso.actor);
          const proveido = paso.nota?.trim() || '(sin proveído)';
          const aviso: Aviso = { evento: `derivacion:${numero}:${secuencia}`, tipo: 'DERIVACION', expedienteId: exp.id, numero, asunto: exp.asunto, detalle: proveido, enlace, bandeja, ocurridoEn };
          const personas = await personalDe(trx, destinatariosDerivacion(paso.unidad));
          return avisar(trx, config, personas, aviso, (p) => ({
            template: 'aviso-derivacion',
            data: { nombre: displayName(p), numero, asunto: exp.asunto, remitente: exp.remitente, proveido, unidad, derivadoPor, derivadoEl: formatLimaInstant(ocurridoEn), bandeja, enlace, perfil },
          }), now);
        }
        if (paso.accion === 'SUBSANAR') {
          const obs: PasoRow | undefined = await trx('historial')
            .where({ expediente_id: exp.id, accion: 'OBSERVAR' })
            .andWhere('secuencia', '<', secuencia)
            .orderBy('secuencia', 'desc')
            .first();
          const d = destinatariosSubsanacion(obs ? { estadoAnterior: obs.estado_anterior, unidad: obs.unidad } : null);
          const codigo = bandejaTrasSubsanar(paso.estado_nuevo);
          const bandeja = `${base}/bandeja/${codigo}`;
          const nota = paso.nota?.trim() || '(sin nota)';
          const aviso: Aviso = { evento: `subsanacion:${numero}:${secuencia}`, tipo: 'SUBSANACION', expedienteId: exp.id, numero, asunto: exp.asunto, detalle: nota, enlace, bandeja, ocurridoEn };
          const destino = d.mesa ? 'mesa de partes' : await unidadNombre(trx, d.unidad);
          const personas = await personalDe(trx, d);
          return avisar(trx, config, personas, aviso, (p) => ({
            template: 'aviso-subsanacion',
            data: {
              nombre: displayName(p),
              numero,
              asunto: exp.asunto,
              remitente: exp.remitente,
              destino,
              observacion: obs?.nota?.trim() || '(sin motivo)',
              nota,
              subsanadoEl: formatLimaInstant(ocurridoEn),
              bandeja,
              bandejaNombre: codigo === 'en-proceso' ? 'En proceso' : 'Por validar',
              enlace,
              perfil,
            },
          }), now);
        }
        return [];
      });
      return { correoIds, maxRetrySeconds: retry };
    },

    /** The day a digest run is for (today in Lima unless given), whether it is a business day, and its opening in force. */
    async aperturaResumen({ fecha }: { fecha: string | null }): Promise<{ fecha: string; habil: boolean; abre: string }> {
      if (fecha !== null && !isValidDay(fecha)) throw ApplicationFailure.nonRetryable(`Fecha inválida: ${fecha} (se espera AAAA-MM-DD)`);
      const s = await calendarSettings(db, config);
      const dia = fecha ?? limaDay(new Date());
      return { fecha: dia, habil: isBusinessDay(dia, s), abre: limaInstant(dia, s.opens).toISOString() };
    },

    /**
     * Sends the digests of `fecha`: one mail per person with avisos waiting, listing them all; a person
     * who already had that day's digest gets nothing more that day (what came after waits for the
     * next). Answers the day's digests still to deliver, so a retry hands over what an earlier try queued.
     */
    async enviarResumenes({ fecha }: { fecha: string }): Promise<AvisosEncolados & { resumenes: number }> {
      if (!isValidDay(fecha)) throw ApplicationFailure.nonRetryable(`Fecha inválida: ${fecha} (se espera AAAA-MM-DD)`);
      const now = new Date();
      const cuentas: number[] = await db('avisos_personal').whereNull('enviado_en').distinct('cuenta_id').orderBy('cuenta_id').pluck('cuenta_id');
      let resumenes = 0;
      for (const id of cuentas) if (await resumenDe(Number(id), fecha, now)) resumenes += 1;
      const pendientes: number[] = await db('avisos_personal as a')
        .join('correos as c', 'c.id', 'a.correo_id')
        .where('a.resumen_fecha', fecha)
        .whereNull('c.enviado_en')
        .distinct('c.id')
        .orderBy('c.id')
        .pluck('c.id');
      return { resumenes, correoIds: pendientes.map(Number), maxRetrySeconds: retry };
    },
  };
}
