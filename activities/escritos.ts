// Side effects of the citizen's submissions after the filing (issue #14): each subsanación and each
// escrito added to a case gets its row (numbered per case), the escrito its «escrito nuevo» mark
// and a mail to the office that holds the case; then its cargo de presentación is printed once,
// registered under its verification code, stored and mailed to the filer.
// Every one is idempotent: a retry finds its earlier work and returns it.
import type { Knex } from 'knex';
import type { Config } from '../lib/config';
import type { Storage } from '../lib/storage';
import type { PdfRenderer } from '../lib/pdf';
import { cargoEscritoHtml, formatDay, formatLimaInstant, institucionDe, remitenteDe, type CargoEscritoData } from '../lib/documents';
import { firmaRegistrada } from '../lib/signing';
import { queueMail } from '../lib/outbox';
import { avisar, type Aviso, type Persona } from './avisos';
import { displayName } from '../domain/persona';
import { cargoEscritoArchivo, tituloEscrito, type TipoEscrito } from '../domain/escritos';
import { enDiaInhabil } from '../domain/calendar';
import type { Adjunto, DocRef, Recepcion } from '../workflows/definitions';
import { recordStep } from './projection';

export interface EscritoActivityDeps {
  db: Knex;
  config: Config;
  storage: Storage;
  pdf?: PdfRenderer;
}

export interface RegistroEscrito {
  /** The expediente. */
  numero: string;
  tipo: TipoEscrito;
  /** Its step of the seguimiento as the case's workflow recorded it; null: recorded here (that workflow has ended). */
  secuencia: number | null;
  /** Who sent it, as the seguimiento names people. */
  actor: string;
  asunto: string;
  contenido: string;
  /** Recorded ones (with the step) or new uploads (recorded here with the step). */
  documentos: Adjunto[];
  recepcion: Recepcion;
  /** Scoped to the case and its filer (only the filer submits: the row names the case's). */
  idempotencyKey: string | null;
}

export interface EscritoRegistrado {
  id: number;
  numero: number;
  /** The mails to the office holding the case, for the workflow to hand over. */
  correoIds: number[];
  maxRetrySeconds: number;
}

interface EscritoRow {
  id: number;
  expediente_id: number;
  tipo: TipoEscrito;
  numero: number;
  secuencia: number;
  asunto: string;
  contenido: string | null;
  cuenta_id: number | null;
  presentado_en: Date;
  fecha_presentacion: string;
  recibido_en: Date;
  codigo_verificacion: string;
  cargo_key: string | null;
  correo_id: number | null;
}

export function createEscritoActivities(deps: EscritoActivityDeps) {
  const { db, config, storage } = deps;
  const retry = config.mailRetryMaxSeconds;
  const base = config.http.publicUrl;

  /** Issues a cargo's PDF: the one place it is printed (and, with a certificate, signed). */
  async function issueCargo(data: Omit<CargoEscritoData, 'sello'>) {
    if (!deps.pdf) throw new Error('Sin Chromium (PUPPETEER_EXECUTABLE_PATH): el cargo espera');
    return deps.pdf.issue((sello) => cargoEscritoHtml({ ...data, sello }), `Cargo de presentación — ${data.titulo} — expediente ${data.numero}`);
  }

  /**
   * Tells each active staff member of the office holding the case (mesa de partes while it has none),
   * as each chose in their profile (activities/avisos.ts): a mail, the next daily digest, or nothing.
   */
  async function mailOffice(
    trx: Knex.Transaction,
    exp: { id: number; numero: string; asunto: string; unidad: string | null; remitente: string },
    e: EscritoRow,
    now: Date,
  ) {
    const staff: Persona[] = await trx('cuentas')
      .where({ activo: true })
      .modify((q) => {
        if (exp.unidad) q.where({ unidad_codigo: exp.unidad }).whereIn('rol', ['unidad', 'mesa_partes']);
        else q.where({ rol: 'mesa_partes' });
      })
      .orderBy('id');
    const escrito = tituloEscrito(e.tipo, e.numero);
    const enlace = `${base}/expedientes/${exp.numero}`;
    const aviso: Aviso = {
      evento: `escrito-nuevo:${e.id}`,
      tipo: 'ESCRITO',
      expedienteId: exp.id,
      numero: exp.numero,
      asunto: exp.asunto,
      detalle: `${escrito} — ${e.asunto}`,
      enlace,
      bandeja: null,
      ocurridoEn: new Date(e.presentado_en),
    };
    return avisar(trx, config, staff, aviso, (c) => ({
      template: 'escrito-nuevo',
      data: {
        nombre: displayName(c),
        numero: exp.numero,
        escrito,
        remitente: exp.remitente,
        asunto: e.asunto,
        fechaPresentacion: formatDay(e.fecha_presentacion),
        fechaRecepcion: formatLimaInstant(new Date(e.recibido_en)),
        enlace,
      },
    }), now);
  }

  return {
    /**
     * Records the submission under the next number of its kind in its case. An escrito marks the
     * case «escrito nuevo» and mails the office holding it, in the same transaction.
     */
    async registrarEscrito(r: RegistroEscrito): Promise<EscritoRegistrado> {
      const now = new Date();
      return db.transaction(async (trx) => {
        // The case's row, locked: its submissions are numbered (and, once its workflow ended, its steps) one at a time.
        const exp = await trx('expedientes').where({ numero: r.numero }).forUpdate().first();
        if (!exp) throw new Error(`Expediente ${r.numero} no existe`);
        let e: EscritoRow | undefined = await trx('escritos')
          .where({ codigo_verificacion: r.recepcion.codigoVerificacion })
          .modify((q) => {
            if (r.idempotencyKey) q.orWhere({ idempotency_key: r.idempotencyKey });
          })
          .first();
        if (!e) {
          let secuencia = r.secuencia;
          if (secuencia === null) {
            secuencia = Number(exp.ultima_secuencia) + 1;
            await recordStep(trx, exp.id, {
              numero: r.numero,
              secuencia,
              accion: 'ESCRITO',
              estadoAnterior: exp.estado,
              estadoNuevo: exp.estado,
              actor: r.actor,
              unidad: exp.unidad,
              nota: r.asunto,
              ocurridoEn: r.recepcion.presentadoEn,
              documentos: r.documentos,
            });
            await trx('expedientes').where({ id: exp.id }).update({ ultima_secuencia: secuencia });
          }
          const last = await trx('escritos').where({ expediente_id: exp.id, tipo: r.tipo }).max<{ n: number | null }>('numero as n').first();
          [e] = await trx('escritos')
            .insert({
              expediente_id: exp.id,
              tipo: r.tipo,
              numero: (last?.n ?? 0) + 1,
              secuencia,
              asunto: r.asunto,
              contenido: r.contenido || null,
              cuenta_id: exp.cuenta_id,
              api_token_id: exp.api_token_id,
              presentado_en: r.recepcion.presentadoEn,
              fecha_presentacion: r.recepcion.fechaPresentacion,
              recibido_en: r.recepcion.recibidoEn,
              codigo_verificacion: r.recepcion.codigoVerificacion,
              idempotency_key: r.idempotencyKey,
            })
            .returning('*');
          if (r.tipo === 'ESCRITO') await trx('expedientes').where({ id: exp.id }).update({ escrito_nuevo_en: now });
        }
        // Queued once per event: a retry gets the same mails back.
        const correoIds = e!.tipo === 'ESCRITO' ? await mailOffice(trx, exp, e!, now) : [];
        return { id: Number(e!.id), numero: e!.numero, correoIds, maxRetrySeconds: retry };
      });
    },

    /**
     * Prints the submission's cargo de presentación once (both legal dates, its files with their
     * SHA-256, its verification code), registers the code, stores the PDF and queues its mail to the
     * filer with the PDF attached. A second call returns the first one's mail.
     */
    async emitCargoEscrito({ id }: { id: number }): Promise<{ correoId: number | null; maxRetrySeconds: number }> {
      const e: EscritoRow | undefined = await db('escritos').where({ id }).first();
      if (!e) throw new Error(`Escrito ${id} no existe`);
      if (e.cargo_key) return { correoId: e.correo_id, maxRetrySeconds: retry };
      const [exp, cuenta, paso] = await Promise.all([
        db('expedientes').where({ id: e.expediente_id }).first('id', 'numero', 'remitente'),
        e.cuenta_id ? db('cuentas').where({ id: e.cuenta_id }).first() : undefined,
        db('historial').where({ expediente_id: e.expediente_id, secuencia: e.secuencia }).first('documentos'),
      ]);
      const refs = (paso?.documentos ?? []) as DocRef[];
      const rows = refs.length ? await db('documentos').whereIn('id', refs.map((d) => d.id)).select('id', 'nombre', 'bytes', 'sha256') : [];
      const byId = new Map(rows.map((d) => [Number(d.id), d]));
      const titulo = tituloEscrito(e.tipo, e.numero);
      const presentadoEn = new Date(e.presentado_en);
      const recibidoEn = new Date(e.recibido_en);
      const { pdf, sello } = await issueCargo({
        institucion: institucionDe(config),
        titulo,
        numero: exp.numero,
        presentadoEn,
        fechaPresentacion: e.fecha_presentacion,
        fechaRecepcion: recibidoEn,
        remitente: remitenteDe(exp.remitente, cuenta),
        asunto: e.asunto,
        contenido: e.contenido ?? '',
        archivos: refs.map((ref, i) => {
          const d = byId.get(ref.id);
          const rol = e.tipo === 'SUBSANACION' ? ('Documento' as const) : i === 0 ? ('Principal' as const) : ('Anexo' as const);
          return { rol, nombre: d?.nombre ?? ref.nombre, bytes: Number(d?.bytes ?? 0), sha256: ref.sha256 };
        }),
        codigoVerificacion: e.codigo_verificacion,
        verificacionUrl: `${base}/verificacion/${e.codigo_verificacion}`,
        diaInhabil: enDiaInhabil(presentadoEn, { presentacion: e.fecha_presentacion, recepcion: recibidoEn }),
      });
      const stored = await storage.putBuffer(pdf);
      const now = sello.firmadoEn;
      const correoId = await db.transaction(async (trx) => {
        // Two tries printing at once: the first to commit wins, the other keeps its mail.
        const won = await trx('escritos').where({ id }).whereNull('cargo_key').update({ cargo_key: stored.key }).returning('id');
        if (!won.length) return ((await trx('escritos').where({ id }).first('correo_id')).correo_id as number | null) ?? null;
        await trx('verificaciones')
          .insert({
            codigo: e.codigo_verificacion,
            tipo: 'CARGO',
            expediente_id: exp.id,
            sha256: stored.key,
            emitido_en: now,
            detalle: JSON.stringify({ documento: `Cargo de presentación — ${titulo}`, numero: exp.numero, firma: firmaRegistrada(sello) }),
          })
          .onConflict('codigo')
          .ignore();
        const mailId = cuenta
          ? await queueMail(
              trx,
              config,
              {
                evento: `cargo-escrito:${e.id}`,
                to: cuenta.email,
                template: 'cargo-escrito',
                data: {
                  nombre: displayName(cuenta),
                  numero: exp.numero,
                  titulo,
                  asunto: e.asunto,
                  fechaPresentacion: formatDay(e.fecha_presentacion),
                  fechaRecepcion: formatLimaInstant(recibidoEn),
                  enlace: `${base}/expedientes/${exp.numero}`,
                },
                attachments: [{ filename: cargoEscritoArchivo(e.tipo, e.numero, exp.numero), contentType: 'application/pdf', storageKey: stored.key }],
              },
              now,
              true,
            )
          : undefined;
        await trx('escritos').where({ id }).update({ correo_id: mailId ?? null });
        return mailId ?? null;
      });
      return { correoId, maxRetrySeconds: retry };
    },
  };
}
