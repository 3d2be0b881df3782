// Side effects of the expediente lifecycle: calendar look-ups, deadlines in the read model, the
// cargo de recepción (PDF + verification code), and mail to the citizen and supervisors.
// Every one is idempotent: a retry finds its earlier work and does not repeat it.
import type { Knex } from 'knex';
import type { Config } from '../lib/config';
import type { Storage } from '../lib/storage';
import type { PdfRenderer } from '../lib/pdf';
import type { BusinessCalendar } from '../lib/business-calendar';
import { cargoHtml, formatLimaInstant, formatDay, institucionDe, remitenteDe } from '../lib/documents';
import { firmaRegistrada } from '../lib/signing';
import { queueMail } from '../lib/outbox';
import { displayName } from '../domain/persona';
import { ESTADO_LABEL, type Estado } from '../domain/lifecycle';
import { NOTIFICACION_TIPO, type NotificacionTipo } from '../domain/formats';
import { enDiaInhabil } from '../domain/calendar';

export interface ExpedienteActivityDeps {
  db: Knex;
  config: Config;
  storage: Storage;
  pdf?: PdfRenderer;
  calendar: BusinessCalendar;
}

/** What the workflow notifies by itself; NOTIFICACION is staff's own (activities/casilla.ts). */
export type NotificationType = Exclude<NotificacionTipo, 'NOTIFICACION'>;
const PLAZO_LABEL = { validacion: 'validación', atencion: 'atención', subsanacion: 'subsanación' } as const;

async function filer(db: Knex, exp: { cuenta_id: number | null }) {
  if (!exp.cuenta_id) return undefined;
  return db('cuentas').where({ id: exp.cuenta_id }).first();
}

export function createExpedienteActivities(deps: ExpedienteActivityDeps) {
  const { db, config, storage, calendar } = deps;
  const retry = config.mailRetryMaxSeconds;

  return {
    async computePlazo({ desde, dias }: { desde: string; dias: number }) {
      const p = await calendar.plazo(new Date(desde), dias);
      return { inicio: p.inicio, vence: p.vence.toISOString() };
    },

    async businessDaysElapsed({ desde, hasta }: { desde: string; hasta: string }) {
      return calendar.elapsed(new Date(desde), new Date(hasta));
    },

    async receptionInstant({ en }: { en: string }) {
      return (await calendar.presentacion(new Date(en))).recepcion.toISOString();
    },

    async updateDeadline({ numero, venceEn, vencido }: { numero: string; venceEn: string | null; vencido: boolean }) {
      await db('expedientes').where({ numero }).update({ vence_en: venceEn, vencido });
    },

    /** Prints the cargo de recepción once, stores it and mails it with the tracking password. */
    async emitCargo({ numero }: { numero: string }): Promise<{ correoId: number | null; maxRetrySeconds: number }> {
      const exp = await db('expedientes').where({ numero }).first();
      if (!exp) throw new Error(`Expediente ${numero} no existe`);
      if (exp.cargo_key && !exp.clave_pendiente) return { correoId: null, maxRetrySeconds: retry };
      if (!deps.pdf) throw new Error('Sin Chromium (PUPPETEER_EXECUTABLE_PATH): el cargo espera');
      const cuenta = await filer(db, exp);
      const docs = await db('documentos').where({ expediente_id: exp.id, vigente: true }).whereIn('rol', ['PRINCIPAL', 'ANEXO']).orderBy('id');
      const destino = exp.destino ? await db('unidades').where({ codigo: exp.destino }).first() : undefined;
      const tipo = await db('tipos_documento').where({ codigo: exp.tipo_documento }).first();
      const presentadoEn = new Date(exp.presentado_en);
      const recibidoEn = new Date(exp.recibido_en ?? exp.presentado_en);
      const fechaPresentacion: string = exp.fecha_presentacion ?? presentadoEn.toISOString().slice(0, 10);
      const base = config.http.publicUrl;
      const { pdf, sello } = await deps.pdf.issue((sello) => cargoHtml({
        institucion: institucionDe(config),
        numero,
        presentadoEn,
        fechaPresentacion,
        fechaRecepcion: recibidoEn,
        remitente: remitenteDe(exp.remitente, cuenta),
        tipoDocumento: tipo?.nombre ?? exp.tipo_documento,
        numeroDocumento: exp.numero_documento ?? 'S/N',
        asunto: exp.asunto,
        folios: exp.folios ?? 0,
        destino: destino?.nombre ?? 'Mesa de Partes',
        archivos: docs.map((d) => ({ rol: d.rol === 'PRINCIPAL' ? 'Principal' : 'Anexo', nombre: d.nombre, bytes: Number(d.bytes), sha256: d.sha256 })),
        claveSeguimiento: exp.clave_pendiente ?? '(entregada al presentar)',
        codigoVerificacion: exp.codigo_verificacion,
        verificacionUrl: `${base}/verificacion/${exp.codigo_verificacion}`,
        consultaUrl: `${base}/consulta`,
        fueraDeHorario: recibidoEn.getTime() !== presentadoEn.getTime(),
        diaInhabil: enDiaInhabil(presentadoEn, { presentacion: fechaPresentacion, recepcion: recibidoEn }),
        sello,
      }), `Cargo de recepción del expediente ${numero}`);
      const stored = await storage.putBuffer(pdf);
      const correoId = await db.transaction(async (trx) => {
        await trx('verificaciones')
          .insert({
            codigo: exp.codigo_verificacion,
            tipo: 'CARGO',
            expediente_id: exp.id,
            sha256: stored.key,
            emitido_en: sello.firmadoEn,
            detalle: JSON.stringify({ documento: 'Cargo de recepción', numero, firma: firmaRegistrada(sello) }),
          })
          .onConflict('codigo')
          .merge(['sha256', 'emitido_en', 'detalle']);
        let id: number | undefined;
        if (cuenta) {
          id = await queueMail(
            trx,
            config,
            {
              evento: `cargo:${numero}`,
              to: cuenta.email,
              template: 'cargo',
              data: {
                nombre: displayName(cuenta),
                numero,
                clave: exp.clave_pendiente ?? '',
                fechaPresentacion: formatDay(fechaPresentacion),
                fechaRecepcion: formatLimaInstant(recibidoEn),
                asunto: exp.asunto,
              },
              attachments: [{ filename: `cargo-${numero}.pdf`, contentType: 'application/pdf', storageKey: stored.key }],
            },
            new Date(),
            true,
          );
        }
        // The password in clear is not kept once the cargo that prints it exists.
        await trx('expedientes').where({ id: exp.id }).update({ cargo_key: stored.key, clave_pendiente: null });
        return id;
      });
      return { correoId: correoId ?? null, maxRetrySeconds: retry };
    },

    /**
     * Cases started before the casilla (no `casilla` patch marker): the observation, answer or
     * archival is mailed to the filer. Newer cases deposit it (activities/casilla.ts).
     */
    async notifyCiudadano(n: { numero: string; evento: string; tipo: NotificationType; detalle: string; vence: string | null }) {
      const exp = await db('expedientes').where({ numero: n.numero }).first();
      const cuenta = exp && (await filer(db, exp));
      if (!cuenta) return { correoId: null, maxRetrySeconds: retry };
      const correoId = await queueMail(
        db,
        config,
        {
          evento: n.evento,
          to: cuenta.email,
          template: 'notificacion',
          data: {
            nombre: displayName(cuenta),
            titulo: NOTIFICACION_TIPO[n.tipo].titulo,
            numero: n.numero,
            asunto: exp.asunto,
            detalle: n.detalle,
            vence: n.vence ? formatLimaInstant(new Date(n.vence)) : '',
          },
        },
        new Date(),
        true,
      );
      return { correoId: correoId ?? null, maxRetrySeconds: retry };
    },

    async alertSupervisors({ numero, evento, plazo }: { numero: string; evento: string; plazo: keyof typeof PLAZO_LABEL }) {
      const exp = await db('expedientes').where({ numero }).first();
      const supervisors = await db('cuentas').where({ rol: 'supervisor', activo: true });
      const ids: number[] = [];
      for (const sup of supervisors) {
        const id = await queueMail(
          db,
          config,
          {
            evento: `${evento}:${sup.id}`,
            to: sup.email,
            template: 'plazo-vencido',
            data: {
              nombre: displayName(sup),
              plazo: PLAZO_LABEL[plazo],
              numero,
              asunto: exp.asunto,
              estado: ESTADO_LABEL[exp.estado as Estado],
              unidad: exp.unidad ?? '',
            },
          },
          new Date(),
          true,
        );
        if (id) ids.push(id);
      }
      return { correoIds: ids, maxRetrySeconds: retry };
    },
  };
}
