// Side effects of the casilla electrónica (Ley 31736): deposit a notification in the filer's
// casilla, print its constancia de notificación electrónica once, and queue the alert mail with the
// constancia attached. Each is idempotent: a retry finds its earlier work and returns it.
import type { Knex } from 'knex';
import type { Config } from '../lib/config';
import type { Storage } from '../lib/storage';
import type { PdfRenderer } from '../lib/pdf';
import type { BusinessCalendar } from '../lib/business-calendar';
import type { Actor, DocRef } from '../workflows/definitions';
import { constanciaHtml, formatLimaInstant, institucionDe, newVerificationCode } from '../lib/documents';
import { firmaRegistrada } from '../lib/signing';
import { queueMail } from '../lib/outbox';
import { displayName } from '../domain/persona';
import { limaDay } from '../domain/calendar';
import { NOTIFICACION_TIPO, numeroSinTipo, type NotificacionTipo } from '../domain/formats';

export interface CasillaActivityDeps {
  db: Knex;
  config: Config;
  storage: Storage;
  pdf?: PdfRenderer;
  calendar: BusinessCalendar;
}

export interface DepositInput {
  numero: string;
  /** Unique per workflow event: the same event never deposits twice. */
  evento: string;
  tipo: NotificacionTipo;
  actor: Actor;
  detalle: string;
  documentos: DocRef[];
  asunto?: string;
  /** A code of the document-type catalogue and the document's number (staff notifications, responses). */
  tipoDocumento?: string;
  numeroDocumento?: string | null;
  /** The plazo the notification starts, counted from the deposit (Ley 31736). */
  plazo?: { dias: number; descripcion: string };
  /** When the action that causes the notification happened (fecha de emisión). */
  emitidoEn: string;
}

export interface Deposited {
  id: number;
  depositadaEn: string;
  vence: string | null;
}

const SISTEMA_FIRMA = 'Mesa de Partes Virtual (notificación automática)';

function defaultAsunto(tipo: NotificacionTipo, exp: { numero: string; asunto: string }) {
  if (tipo === 'OBSERVACION') return `Observaciones a su expediente ${exp.numero}`;
  if (tipo === 'ARCHIVO') return `Archivo de su expediente ${exp.numero} por no subsanar las observaciones`;
  return `Respuesta a su expediente ${exp.numero}: ${exp.asunto}`.slice(0, 500);
}

const deposited = (row: { id: number; depositada_en: Date; vence: Date | null }): Deposited => ({
  id: row.id,
  depositadaEn: new Date(row.depositada_en).toISOString(),
  vence: row.vence ? new Date(row.vence).toISOString() : null,
});

export function createCasillaActivities(deps: CasillaActivityDeps) {
  const { db, config, storage, calendar } = deps;
  const retry = config.mailRetryMaxSeconds;

  /** The issuing office: the actor's, else the office holding the case, else mesa de partes. */
  async function issuingOffice(actor: Actor, exp: { unidad: string | null }) {
    const codigo = actor.unidad ?? exp.unidad;
    const u = codigo ? await db('unidades').where({ codigo }).first('codigo', 'nombre') : await db('unidades').where({ es_mesa_partes: true }).first('codigo', 'nombre');
    return { unidad: u?.codigo ?? codigo ?? null, dependencia: u?.nombre ?? 'Mesa de Partes' };
  }

  async function signer(actor: Actor) {
    if (actor.usuario === 'sistema') return SISTEMA_FIRMA;
    const c = await db('cuentas').where({ email: actor.usuario }).first();
    return c ? displayName(c) : actor.usuario;
  }

  return {
    /**
     * Deposits the notification in the filer's casilla with the instant of deposit and the plazo it
     * starts. Null when the case has no citizen account (filed by another institution's system).
     */
    async depositNotification(n: DepositInput): Promise<Deposited | null> {
      const existing = await db('notificaciones').where({ evento: n.evento }).first();
      if (existing) return deposited(existing);
      const exp = await db('expedientes').where({ numero: n.numero }).first();
      if (!exp) throw new Error(`Expediente ${n.numero} no existe`);
      if (!exp.cuenta_id) return null;
      const [office, emisor, tipo] = await Promise.all([
        issuingOffice(n.actor, exp),
        signer(n.actor),
        n.tipoDocumento ? db('tipos_documento').where({ codigo: n.tipoDocumento }).first('nombre') : undefined,
      ]);
      // The document as staff named it (a type of the catalogue, its number as the office writes
      // it), else the kind's own name and a number of the system's: <id>-<year>-<office>/<institution>.
      const documentoTipo = tipo?.nombre ?? NOTIFICACION_TIPO[n.tipo].documento;
      const numeroDado = n.numeroDocumento ? numeroSinTipo(documentoTipo, n.numeroDocumento) : '';
      const depositadaEn = new Date();
      const plazo = n.plazo ? await calendar.plazo(depositadaEn, n.plazo.dias) : null;
      const row = await db.transaction(async (trx) => {
        const { rows } = await trx.raw("select nextval(pg_get_serial_sequence('notificaciones', 'id')) as id");
        const id = Number(rows[0].id);
        const anio = limaDay(depositadaEn).slice(0, 4);
        const emisora = office.unidad ? `${office.unidad}/${config.institution.shortName}` : config.institution.shortName;
        const inserted = await trx('notificaciones')
          .insert({
            id,
            expediente_id: exp.id,
            cuenta_id: exp.cuenta_id,
            evento: n.evento,
            tipo: n.tipo,
            asunto: n.asunto ?? defaultAsunto(n.tipo, exp),
            unidad: office.unidad,
            dependencia: office.dependencia,
            emisor,
            documento_tipo: documentoTipo,
            documento_numero: numeroDado || `${String(id).padStart(5, '0')}-${anio}-${emisora}`,
            detalle: n.detalle || null,
            emitido_en: n.emitidoEn,
            depositada_en: depositadaEn,
            plazo_descripcion: n.plazo?.descripcion ?? null,
            plazo_inicio: plazo?.inicio ?? null,
            vence: plazo?.vence ?? null,
            codigo_verificacion: newVerificationCode(),
          })
          .onConflict('evento')
          .ignore()
          .returning('*');
        if (inserted.length && n.documentos.length) {
          await trx('notificacion_documentos').insert(n.documentos.map((d, i) => ({ notificacion_id: id, documento_id: d.id, orden: i })));
        }
        return inserted[0];
      });
      // Another try of the same event got there first: its deposit stands.
      return deposited(row ?? (await db('notificaciones').where({ evento: n.evento }).first()));
    },

    /**
     * Prints the constancia de notificación electrónica once, stores it, registers its verification
     * code and queues the alert mail with it attached. A second call returns the first one's mail.
     */
    async emitConstancia({ id }: { id: number }): Promise<{ correoId: number | null; maxRetrySeconds: number }> {
      const n = await db('notificaciones').where({ id }).first();
      if (!n) throw new Error(`Notificación ${id} no existe`);
      if (n.constancia_sha256) return { correoId: n.correo_id, maxRetrySeconds: retry };
      if (!deps.pdf) throw new Error('Sin Chromium (PUPPETEER_EXECUTABLE_PATH): la constancia espera');
      const [exp, cuenta, archivos] = await Promise.all([
        db('expedientes').where({ id: n.expediente_id }).first('id', 'numero', 'asunto'),
        db('cuentas').where({ id: n.cuenta_id }).first(),
        db('notificacion_documentos as nd')
          .join('documentos as d', 'd.id', 'nd.documento_id')
          .where('nd.notificacion_id', id)
          .orderBy('nd.orden')
          .select('d.nombre', 'd.bytes', 'd.sha256'),
      ]);
      const depositadaEn = new Date(n.depositada_en);
      const vence = n.vence ? new Date(n.vence) : null;
      const verificacionUrl = `${config.http.publicUrl}/verificacion/${n.codigo_verificacion}`;
      const { pdf, sello } = await deps.pdf.issue((sello) => constanciaHtml({
        institucion: institucionDe(config),
        expediente: exp.numero,
        administrado: {
          nombre: displayName(cuenta),
          documento: cuenta.numero_documento ? `${cuenta.tipo_documento} ${cuenta.numero_documento}` : '—',
          email: cuenta.email,
        },
        documento: { tipo: n.documento_tipo, numero: n.documento_numero, asunto: n.asunto, emisor: n.dependencia, firmante: n.emisor, emitidoEn: new Date(n.emitido_en) },
        contenido: n.detalle ?? undefined,
        archivos: archivos.map((a) => ({ nombre: a.nombre, bytes: Number(a.bytes), sha256: a.sha256 })),
        depositadoEn: depositadaEn,
        plazo: vence && n.plazo_inicio ? { descripcion: n.plazo_descripcion ?? 'Plazo', inicio: n.plazo_inicio, vence } : undefined,
        codigoVerificacion: n.codigo_verificacion,
        verificacionUrl,
        sello,
      }), `Constancia de notificación electrónica del expediente ${exp.numero}`);
      const stored = await storage.putBuffer(pdf);
      const now = sello.firmadoEn;
      const correoId = await db.transaction(async (trx) => {
        // Two tries printing at once: the first to commit wins, the other keeps its mail.
        const won = await trx('notificaciones').where({ id }).whereNull('constancia_sha256').update({ constancia_sha256: stored.key, constancia_emitida_en: now }).returning('id');
        if (!won.length) return (await trx('notificaciones').where({ id }).first('correo_id')).correo_id as number | null;
        await trx('verificaciones')
          .insert({
            codigo: n.codigo_verificacion,
            tipo: 'CONSTANCIA',
            expediente_id: exp.id,
            sha256: stored.key,
            emitido_en: now,
            detalle: JSON.stringify({
              documento: 'Constancia de notificación electrónica',
              firma: firmaRegistrada(sello),
              notificacion: {
                documento: `${n.documento_tipo} ${n.documento_numero}`,
                asunto: n.asunto,
                dependencia: n.dependencia,
                depositadaEn: depositadaEn.toISOString(),
                vence: vence?.toISOString() ?? null,
                archivos: archivos.map((a) => ({ nombre: a.nombre, sha256: a.sha256 })),
              },
            }),
          })
          .onConflict('codigo')
          .ignore();
        const mailId = await queueMail(
          trx,
          config,
          {
            evento: `casilla:${n.evento}`,
            to: cuenta.email,
            template: 'casilla-alerta',
            data: {
              nombre: displayName(cuenta),
              titulo: NOTIFICACION_TIPO[n.tipo as NotificacionTipo].titulo,
              numero: exp.numero,
              documento: `${n.documento_tipo} ${n.documento_numero}`,
              asunto: n.asunto,
              dependencia: n.dependencia,
              depositadaEn: formatLimaInstant(depositadaEn),
              detalle: n.detalle ?? '',
              vence: vence ? formatLimaInstant(vence) : '',
              enlace: `${config.http.publicUrl}/casilla/${id}`,
            },
            attachments: [{ filename: `constancia-notificacion-${exp.numero}-${id}.pdf`, contentType: 'application/pdf', storageKey: stored.key }],
          },
          now,
          true,
        );
        await trx('notificaciones').where({ id }).update({ correo_id: mailId ?? null });
        return mailId ?? null;
      });
      return { correoId, maxRetrySeconds: retry };
    },
  };
}
