// `casilla`: the constancia de notificación electrónica through the real activity (HTML, PDF with a
// warm browser, storage, verification row, alert mail queued): the median per constancia and how
// many per second; then 1,000 deposits in a burst through the real workflow (the `notificar`
// update, 50 cases × 20), each one delivered with its constancia and its alert mail, with the time
// it took and a count of any notification, constancia or mail lost or doubled.
// Targets (issue #6): median ≤ 150 ms, ≥ 10 constancias per second.
import { createActivities } from '../activities';
import { startStack } from '../test/helpers/stack';
import { fileMultipart, loginAs, makePdf } from '../test/helpers/http';
import { notificarUpdate, workflowIdFor, type Actor, type NuevoDocumento } from '../workflows/definitions';
import { describeLatencies, fmt, log, median, percentile, sleep, type Figure } from './lib';

const WARMUP = 5;
const SEQUENTIAL = 100;
const CONCURRENCY = 4;
const WINDOW_MS = 5000;
const SEQUENTIAL_MAX_MS = 60_000;
const CASES = 50;
const PER_CASE = 20;
const BURST_MAX_MS = 15 * 60_000;

const MESA: Actor = { usuario: 'mesa@demo.gob.pe', rol: 'mesa_partes', unidad: 'MP' };

type Stack = Awaited<ReturnType<typeof startStack>>;

async function fileCases(stack: Stack, n: number) {
  const ciudadano = await loginAs(stack.base, 'ciudadano@demo.pe');
  const numeros: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fileMultipart(stack.base, ciudadano, { asunto: `Caso de la ráfaga de notificaciones ${i + 1}` });
    if (r.status !== 201) throw new Error(`presentación: ${r.status} ${JSON.stringify(r.body)}`);
    numeros.push(r.body.numero);
  }
  return numeros;
}

/** Constancias printed by the activity itself, one after another and then 4 at a time. */
async function constancias(stack: Stack, numero: string): Promise<Figure[]> {
  const acts = createActivities({ db: stack.db, config: stack.config, storage: stack.storage, pdf: stack.pdf });
  let seq = 0;
  const deposit = async () => {
    const d = await acts.depositNotification({
      numero,
      evento: `bench:${numero}:${seq++}`,
      tipo: 'NOTIFICACION',
      actor: MESA,
      asunto: 'Requerimiento de información (prueba de rendimiento)',
      detalle: 'Sírvase remitir la información solicitada en el plazo indicado.',
      documentos: [],
      tipoDocumento: 'CARTA',
      plazo: { dias: 10, descripcion: 'Atención del requerimiento' },
      emitidoEn: new Date().toISOString(),
    });
    return d!.id;
  };
  const one = async () => {
    const id = await deposit();
    const t0 = performance.now();
    await acts.emitConstancia({ id });
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) await one();
  const seqMs: number[] = [];
  const tSeq = performance.now();
  for (let i = 0; i < SEQUENTIAL && performance.now() - tSeq < SEQUENTIAL_MAX_MS; i++) seqMs.push(await one());
  log('casilla', `${seqMs.length} constancias secuenciales (HTML + PDF + almacenamiento + registro + correo en cola): ${describeLatencies(seqMs)}`);

  let done = 0;
  const t0 = performance.now();
  let lastEnd = t0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() - t0 < WINDOW_MS) {
        await one();
        done++;
        lastEnd = performance.now();
      }
    }),
  );
  const perSecond = (done / (lastEnd - t0)) * 1000;
  log('casilla', `${CONCURRENCY} a la vez: ${done} constancias en ${fmt((lastEnd - t0) / 1000, 2)} s → ${fmt(perSecond, 2)}/s`);
  return [
    { bench: 'casilla', metric: 'constancia: mediana por constancia', value: median(seqMs), unit: 'ms', kind: 'max', target: 150 },
    { bench: 'casilla', metric: 'constancia: p95', value: percentile(seqMs, 95), unit: 'ms' },
    { bench: 'casilla', metric: `constancias por segundo (${CONCURRENCY} a la vez)`, value: perSecond, unit: '/s', kind: 'min', target: 10 },
  ];
}

/** 1,000 notificar updates at once (one lane per case), then until every mail is out. */
async function burst(stack: Stack, numeros: string[]): Promise<Figure[]> {
  const total = numeros.length * PER_CASE;
  const ids = numeros.map((n) => stack.db('expedientes').where({ numero: n }).first('id'));
  const expIds = (await Promise.all(ids)).map((r) => r.id as number);
  const mailsBefore = stack.mail.messages.length;
  // A notification carries its document (domain/acciones.ts): one stored PDF, named by each update.
  const stored = await stack.storage.putBuffer(Buffer.from(await makePdf(1, 'Notificación de la ráfaga')));
  const documento: NuevoDocumento = { rol: 'NOTIFICACION', nombre: 'notificacion.pdf', sha256: stored.key, bytes: stored.size, mime: 'application/pdf', paginas: 1, subidoPor: null, subidoEn: new Date().toISOString() };
  const t0 = performance.now();
  const updateMs: number[] = [];
  await Promise.all(
    numeros.map(async (numero) => {
      const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
      for (let i = 0; i < PER_CASE; i++) {
        const a = performance.now();
        await handle.executeUpdate(notificarUpdate, {
          args: [{ actor: MESA, asunto: `Notificación ${i + 1} de la ráfaga`, detalle: 'Prueba de rendimiento.', tipoDocumento: 'CARTA', numeroDocumento: null, documentos: [documento] }],
        });
        updateMs.push(performance.now() - a);
      }
    }),
  );
  const depositedMs = performance.now() - t0;
  log('casilla', `${total} depósitos aceptados en ${fmt(depositedMs / 1000, 1)} s (${fmt((total / depositedMs) * 1000, 1)}/s); por notificar: ${describeLatencies(updateMs)}`);

  const rows = () => stack.db('notificaciones').whereIn('expediente_id', expIds).where('tipo', 'NOTIFICACION');
  const status = async () => {
    const [n, printed, sent] = await Promise.all([
      rows().count({ c: '*' }).first(),
      rows().whereNotNull('constancia_sha256').count({ c: '*' }).first(),
      rows().join('correos', 'correos.id', 'notificaciones.correo_id').whereNotNull('correos.enviado_en').count({ c: '*' }).first(),
    ]);
    return { n: Number(n!.c), printed: Number(printed!.c), sent: Number(sent!.c) };
  };
  let s = await status();
  let lastLog = performance.now();
  while ((s.printed < total || s.sent < total) && performance.now() - t0 < BURST_MAX_MS) {
    await sleep(500);
    s = await status();
    if (performance.now() - lastLog > 15_000) {
      log('casilla', `… ${fmt((performance.now() - t0) / 1000, 0)} s: ${s.n} depositadas, ${s.printed} constancias, ${s.sent} correos enviados`);
      lastLog = performance.now();
    }
  }
  const deliveredMs = performance.now() - t0;
  const mails = stack.mail.messages.slice(mailsBefore).filter((m) => m.subject.startsWith('Nueva notificación'));
  const verificaciones = Number(
    (await stack.db('verificaciones').where({ tipo: 'CONSTANCIA' }).whereIn('expediente_id', expIds).count({ c: '*' }).first())!.c,
  );
  const distinctEventos = Number((await rows().countDistinct({ c: 'evento' }).first())!.c);
  const doubled = Math.max(0, s.n - total) + Math.max(0, verificaciones - total) + Math.max(0, mails.length - total) + (s.n - distinctEventos);
  const lost = Math.max(0, total - s.n) + Math.max(0, total - s.printed) + Math.max(0, total - mails.length);
  log(
    'casilla',
    `${s.n} notificaciones, ${s.printed} constancias (${verificaciones} códigos), ${mails.length} correos recibidos con ${mails.filter((m) => m.attachments.length === 1).length} constancias adjuntas, en ${fmt(deliveredMs / 1000, 1)} s`,
  );
  return [
    { bench: 'casilla', metric: `ráfaga de ${total}: depósitos aceptados`, value: depositedMs / 1000, unit: 's' },
    { bench: 'casilla', metric: `ráfaga de ${total}: todo entregado (constancia + correo)`, value: deliveredMs / 1000, unit: 's', note: `${fmt((total / deliveredMs) * 1000, 1)} por segundo` },
    { bench: 'casilla', metric: 'ráfaga: perdidos', value: lost, unit: '', kind: 'max', target: 0 },
    { bench: 'casilla', metric: 'ráfaga: duplicados', value: doubled, unit: '', kind: 'max', target: 0 },
  ];
}

export async function casilla(): Promise<Figure[]> {
  const stack = await startStack();
  try {
    const numeros = await fileCases(stack, CASES + 1);
    // The cargos of the filings are printed first, so the figures are the constancias' alone.
    while (Number((await stack.db('expedientes').whereNull('cargo_key').count({ c: '*' }).first())!.c) > 0) await sleep(200);
    const figures = await constancias(stack, numeros.pop()!);
    return [...figures, ...(await burst(stack, numeros))];
  } finally {
    await stack.close();
  }
}
