// A subsanación gets its own cargo (issue #14), as the filing does: both legal dates, its files with
// their SHA-256, a verification code that resolves, mailed with the PDF, listed on the case (API and
// page, citizen and staff) and shown right after sending: the API answers with it and the page the
// citizen lands on links to it (with the page's script and without it). Its fecha de recepción is
// where the office's plazo starts again.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { sharedStack, type Shared } from './helpers/shared';
import { uid } from './helpers/stack';
import { actionMultipart, fileMultipart, makePdf, type Client, type Json } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { openBrowser } from './helpers/browser';
import { until } from './helpers/wait';
import { formatDay, formatLimaInstant } from '../lib/documents';
import { workflowsPath } from '../lib/worker';
import { workflowIdFor } from '../workflows/definitions';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe' });
type Ctx = Shared<'ciudadano' | 'mesa'>;

const sha256 = (b: Uint8Array | Buffer) => createHash('sha256').update(b).digest('hex');
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString().replace(/\s+/g, ' ');

/** A case filed and observed by mesa de partes: the observation is in the citizen's casilla. */
async function observado(t: { context: Ctx }, asunto: string) {
  const { stack, ciudadano, mesa } = t.context;
  const r = await fileMultipart(stack.base, ciudadano, { asunto: `${asunto} ${uid()}` });
  if (r.status !== 201) throw new Error(`filing: ${r.status} ${JSON.stringify(r.body)}`);
  const numero = r.body.numero as string;
  const o = await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Falta el croquis de ubicación' });
  if (o.status !== 200) throw new Error(`observar: ${o.status} ${JSON.stringify(o.body)}`);
  return numero;
}

async function download(c: Client, url: string) {
  const res = await c.get(url);
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

async function html(base: string, c: Client, path: string) {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c.cookie } });
  return { status: res.status, location: res.headers.get('location'), html: unescapeHtml(await res.text()) };
}

test('subsanar answers with its cargo: both dates, the files with their SHA-256, a code that resolves, mailed with the PDF, listed on the case', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const { base, db, mail } = stack;
  const numero = await observado(t, 'Licencia de funcionamiento');
  const croquis = await makePdf(1, 'Croquis de ubicación');
  const sub = await actionMultipart(base, ciudadano, numero, 'subsanar', { nota: 'Adjunto el croquis pedido' }, [{ field: 'documentos', name: 'croquis.pdf', data: croquis }]);
  t.is(sub.status, 200, JSON.stringify(sub.body));
  t.deepEqual(Object.keys(sub.body).sort(), ['cargoUrl', 'codigoVerificacion', 'estado', 'numero']);
  t.like(sub.body, { numero, estado: 'PENDIENTE_VALIDACION', cargoUrl: `/api/v1/expedientes/${numero}/subsanaciones/1/cargo.pdf` });
  t.regex(sub.body.codigoVerificacion, /^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/);

  // Dated as a filing is: the calendar's two dates for the instant it was received.
  const row = await db('escritos').where({ codigo_verificacion: sub.body.codigoVerificacion }).first();
  t.like(row, { tipo: 'SUBSANACION', numero: 1, asunto: 'Subsanación de observaciones', contenido: 'Adjunto el croquis pedido' });
  const cal = (await (await fetch(`${base}/api/v1/calendario/presentacion?en=${encodeURIComponent(new Date(row.presentado_en).toISOString())}`)).json()) as Json;
  t.is(row.fecha_presentacion, cal.presentacion);
  t.is(new Date(row.recibido_en).toISOString(), new Date(cal.recepcion).toISOString());

  // The cargo: its title, the case, both dates, the file and its SHA-256, the code.
  const cargo = await download(ciudadano, sub.body.cargoUrl);
  t.is(cargo.status, 200);
  t.is(cargo.type, 'application/pdf');
  const text = pdfText(cargo.body);
  for (const s of ['CARGO DE PRESENTACIÓN — Subsanación de observaciones', numero, formatDay(row.fecha_presentacion), formatLimaInstant(new Date(row.recibido_en)), 'Adjunto el croquis pedido', 'croquis.pdf', 'Rosa Quispe Mamani', sub.body.codigoVerificacion]) {
    t.true(text.includes(s), s);
  }
  t.true(text.replace(/\s+/g, '').includes(sha256(croquis)));
  t.is((await download(mesa, sub.body.cargoUrl)).status, 200, 'staff download it too');

  // Its code resolves to it, with the PDF's SHA-256.
  const v = await fetch(`${base}/api/v1/verificacion/${sub.body.codigoVerificacion}`);
  t.is(v.status, 200);
  t.like((await v.json()) as Json, { tipo: 'CARGO', documento: 'Cargo de presentación — Subsanación de observaciones', expediente: numero, sha256: sha256(cargo.body) });
  const page = await fetch(`${base}/verificacion/${sub.body.codigoVerificacion}`, { headers: { accept: 'text/html' } });
  t.is(page.status, 200);
  t.true(unescapeHtml(await page.text()).includes(sha256(cargo.body)));

  // Mailed to the filer with the PDF attached.
  const mailed = await mail.waitFor((m) => m.to.includes('ciudadano@demo.pe') && m.subject.includes(`Subsanación de observaciones — expediente ${numero}`));
  t.is(mailed.attachments.length, 1);
  t.is(mailed.attachments[0].filename, `cargo-subsanacion-1-${numero}.pdf`);
  t.is(sha256(mailed.attachments[0].content), sha256(cargo.body));

  // Listed on the case: the API's view (citizen and staff) and the case page.
  for (const c of [ciudadano, mesa]) {
    const d = (await c.json('GET', `/api/v1/expedientes/${numero}`)).body;
    t.is(d.escritos.length, 1);
    t.like(d.escritos[0], { tipo: 'SUBSANACION', numero: 1, titulo: 'Subsanación de observaciones', cargoUrl: sub.body.cargoUrl, codigoVerificacion: sub.body.codigoVerificacion, cargoListo: true });
    const caso = await html(base, c, `/expedientes/${numero}`);
    t.regex(caso.html, new RegExp(`<a href="/expedientes/${numero}/subsanaciones/1">Subsanación de observaciones</a>`));
    t.true(caso.html.includes(`href="${sub.body.cargoUrl}?descargar=1"`));
  }

  // The office's plazo starts again from the fecha de recepción the cargo prints.
  const plazo = (await (await fetch(`${base}/api/v1/calendario/plazo?desde=${encodeURIComponent(new Date(row.recibido_en).toISOString())}&dias=${stack.config.plazos.validacion}`)).json()) as Json;
  await until(async () => (await db('expedientes').where({ numero }).first('vence_en')).vence_en?.toISOString() === new Date(plazo.vence).toISOString());

  // A second observation and subsanación: its own cargo, number 2.
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'El croquis no tiene escala' })).status, 200);
  const otra = await actionMultipart(base, ciudadano, numero, 'subsanar', { nota: 'Croquis con escala' }, []);
  t.is(otra.status, 200);
  t.is(otra.body.cargoUrl, `/api/v1/expedientes/${numero}/subsanaciones/2/cargo.pdf`);
  t.regex(pdfText((await download(ciudadano, otra.body.cargoUrl)).body), /Subsanación de observaciones N\.º 2[\s\S]*Sin archivos/);

  // This history (the patched subsanar) replays on today's code.
  const handle = stack.client.workflow.getHandle(workflowIdFor(numero));
  const bundle = process.env.TEST_WORKFLOW_BUNDLE;
  await t.notThrowsAsync(Worker.runReplayHistory(bundle ? { workflowBundle: { codePath: bundle } } : { workflowsPath }, await handle.fetchHistory(), handle.workflowId));
});

test('without JavaScript the subsanar form leads to the page of its cargo', async (t) => {
  const { stack, ciudadano } = t.context;
  const numero = await observado(t, 'Sin script');
  const form = new FormData();
  // The token first: the multipart body is checked as it streams.
  form.append('_csrf', ciudadano.csrf);
  form.append('nota', 'Adjunto lo pedido');
  form.append('documentos', new Blob([(await makePdf(1, 'Lo pedido')) as Uint8Array<ArrayBuffer>], { type: 'application/pdf' }), 'pedido.pdf');
  const res = await fetch(`${stack.base}/expedientes/${numero}/subsanar`, { method: 'POST', redirect: 'manual', headers: { accept: 'text/html', cookie: ciudadano.cookie }, body: form });
  t.is(res.status, 303);
  t.is(res.headers.get('location'), `/expedientes/${numero}/subsanaciones/1?nuevo=1`);
  const landed = await html(stack.base, ciudadano, res.headers.get('location')!);
  t.is(landed.status, 200);
  t.true(landed.html.includes('Se registró su subsanación. El expediente vuelve a revisión.'));
  t.true(landed.html.includes(`href="/api/v1/expedientes/${numero}/subsanaciones/1/cargo.pdf?descargar=1"`));
  const exp = await stack.db('expedientes').where({ numero }).first('id');
  const codigo = (await stack.db('escritos').where({ expediente_id: exp.id, tipo: 'SUBSANACION', numero: 1 }).first()).codigo_verificacion as string;
  t.true(landed.html.includes(codigo));
  t.true(landed.html.includes('pedido.pdf'));
  // Someone else's: 404; a number it does not have: 404.
  t.is((await html(stack.base, ciudadano, `/expedientes/${numero}/subsanaciones/7`)).status, 404);
});

test('in a browser: the subsanar form (sent by its script) lands on the cargo, which downloads', async (t) => {
  const { stack } = t.context;
  const base = stack.base;
  const numero = await observado(t, 'Con script');
  const dir = await mkdtemp(join(tmpdir(), 'mpv-subsanacion-'));
  const pdfPath = join(dir, 'croquis.pdf');
  await writeFile(pdfPath, await makePdf(1, 'Croquis desde el navegador'));
  const { errors, session, close } = await openBrowser(base);
  try {
    const p = await session('ciudadano@demo.pe', `/expedientes/${numero}`);
    await p.type('#f-subsanar-nota', 'Adjunto el croquis');
    const input = await p.$('#f-subsanar-documentos');
    await (input as unknown as { uploadFile(...paths: string[]): Promise<void> }).uploadFile(pdfPath);
    await Promise.all([p.waitForNavigation(), p.click('#accion-subsanar button[type="submit"]')]);
    const url = new URL(p.url());
    t.is(url.pathname, `/expedientes/${numero}/subsanaciones/1`);
    t.is(url.search, '?nuevo=1');
    t.regex(await p.$eval('main', (e) => e.textContent ?? ''), /Cargo de presentación[\s\S]*Subsanación de observaciones/);
    const href = await p.$eval('#descargar-cargo', (e) => e.getAttribute('href'));
    const cookies = (await p.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${base}${href}`, { headers: { cookie: cookies } });
    t.is(res.status, 200);
    t.is(res.headers.get('content-type'), 'application/pdf');
    t.regex(pdfText(Buffer.from(await res.arrayBuffer())), /CARGO DE PRESENTACIÓN — Subsanación de observaciones/);
    t.deepEqual(errors, []);
  } finally {
    await close();
    await rm(dir, { recursive: true, force: true });
  }
});
