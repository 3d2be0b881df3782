// `cargo` and `constancias`: HTML from lib/documents.ts printed to a tagged A4 PDF by lib/pdf.ts
// with a warm browser (one Chromium, started once) and signed (PAdES, lib/signing.ts) as the
// system issues them. 5 warm-up renders, 100 sequential (median, p95), then 4 concurrent renders
// for 5 s (renders per second).
// Targets (issues #4, #14): median ≤ 150 ms, ≥ 10 renders/s, signing included.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPdfSigner, type Sello } from '../lib/signing';
import { cargoHtml, constanciaHtml, newVerificationCode, type CargoData, type ConstanciaData } from '../lib/documents';
import puppeteer from 'puppeteer-core';
import { createPdfRenderer, launchOptions, type PdfRenderer } from '../lib/pdf';
import { pdfChromium } from '../test/helpers/stack';
import { describeLatencies, fmt, log, median, percentile, type Figure } from './lib';

const WARMUP = 5;
const SEQUENTIAL = 100;
const CONCURRENCY = 4;
const WINDOW_MS = 5000;
const PHASES = 15;
/** Time caps: on a busy machine the counts above are cut short (the figures say how many ran). */
const SEQUENTIAL_MAX_MS = 60_000;
const PHASES_MAX_MS = 30_000;


/**
 * Where a render's time goes, with puppeteer directly and the same calls as lib/pdf.ts
 * (newPage, setContent, pdf, close), and the same HTML printed again on one page kept open.
 */
async function phases(html: string) {
  const browser = await puppeteer.launch(launchOptions(pdfChromium()));
  try {
    const t = { newPage: [] as number[], setContent: [] as number[], pdf: [] as number[], close: [] as number[], reused: [] as number[] };
    const opts = { format: 'A4', printBackground: true, preferCSSPageSize: true, tagged: true } as const;
    const stopAt = performance.now() + PHASES_MAX_MS / 2;
    for (let i = 0; i < PHASES + 2 && (i < 3 || performance.now() < stopAt); i++) {
      const a = performance.now();
      const page = await browser.newPage();
      const b = performance.now();
      await page.setContent(html, { waitUntil: 'load' });
      const c = performance.now();
      await page.pdf(opts);
      const d = performance.now();
      await page.close();
      const e = performance.now();
      if (i >= 2) {
        t.newPage.push(b - a);
        t.setContent.push(c - b);
        t.pdf.push(d - c);
        t.close.push(e - d);
      }
    }
    const page = await browser.newPage();
    const stopReused = performance.now() + PHASES_MAX_MS / 2;
    for (let i = 0; i < PHASES + 2 && (i < 3 || performance.now() < stopReused); i++) {
      const a = performance.now();
      await page.setContent(html, { waitUntil: 'load' });
      await page.pdf(opts);
      if (i >= 2) t.reused.push(performance.now() - a);
    }
    return { n: t.pdf.length, ...(Object.fromEntries(Object.entries(t).map(([k, v]) => [k, median(v)])) as Record<keyof typeof t, number>) };
  } finally {
    await browser.close();
  }
}

const institucion = { nombre: 'Entidad Demo del Estado Peruano', ruc: '20100000001', siglas: 'EDEP' };
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

function cargoData(i: number): CargoData {
  const codigo = newVerificationCode();
  const numero = `${String(i + 1).padStart(5, '0')}-2026`;
  return {
    institucion,
    numero,
    presentadoEn: new Date('2026-12-05T04:30:00Z'),
    fechaPresentacion: '2026-12-04',
    fechaRecepcion: new Date('2026-12-07T13:30:00Z'),
    remitente: { nombre: 'Rosa Quispe Mamani', documento: 'DNI 40000001', email: 'rosa.quispe@example.pe' },
    tipoDocumento: 'Solicitud',
    numeroDocumento: 'S/N',
    asunto: 'Solicito licencia de funcionamiento para bodega en la avenida principal',
    folios: 12,
    destino: 'Subgerencia de Licencias y Autorizaciones',
    archivos: [
      { rol: 'Principal', nombre: 'solicitud-licencia.pdf', bytes: 1_258_291, sha256: sha(`p${i}`) },
      { rol: 'Anexo', nombre: 'plano-de-ubicacion.png', bytes: 348_160, sha256: sha(`a${i}`) },
    ],
    claveSeguimiento: 'T4KX9M2Q',
    codigoVerificacion: codigo,
    verificacionUrl: `http://localhost:3000/verificacion/${codigo}`,
    consultaUrl: 'http://localhost:3000/consulta',
    fueraDeHorario: true,
  };
}

function constanciaData(i: number): ConstanciaData {
  const codigo = newVerificationCode();
  return {
    institucion,
    expediente: `${String(i + 1).padStart(5, '0')}-2026`,
    administrado: { nombre: 'Rosa Quispe Mamani', documento: 'DNI 40000001', email: 'rosa.quispe@example.pe' },
    documento: {
      tipo: 'Carta',
      numero: '045-2026-SGLA/EDEP',
      asunto: 'Observaciones a su solicitud de licencia de funcionamiento',
      emisor: 'Subgerencia de Licencias y Autorizaciones',
      firmante: 'Juan Pérez Rojas, Subgerente',
    },
    archivos: [{ nombre: 'carta-045-2026.pdf', bytes: 215_040, sha256: sha(`c${i}`) }],
    depositadoEn: new Date('2026-12-04T15:00:00Z'),
    plazo: { descripcion: 'Subsanación de observaciones', inicio: '2026-12-07', vence: new Date('2026-12-11T04:59:59Z') },
    codigoVerificacion: codigo,
    verificacionUrl: `http://localhost:3000/verificacion/${codigo}`,
  };
}

async function benchRender(name: 'cargo' | 'constancias', html: (i: number, sello?: Sello) => Promise<string>): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mpv-bench-firma-'));
  const { signer } = loadPdfSigner({ dataDir, institution: { name: 'Municipalidad Distrital de San Isidro', ruc: '20131377224' } });
  const pdf: PdfRenderer = createPdfRenderer(pdfChromium(), { signer });
  try {
    let i = 0;
    // As PdfRenderer.issue does it (stamp, print, sign), with each step timed.
    const one = async () => {
      const t0 = performance.now();
      const sello = signer.sello();
      const h = await html(i++, sello);
      const t1 = performance.now();
      const printed = await pdf.render(h);
      const t2 = performance.now();
      const out = await signer.sign(printed, sello, name);
      const t3 = performance.now();
      if (out.subarray(0, 5).toString('latin1') !== '%PDF-') throw new Error('el resultado no es un PDF');
      return { html: t1 - t0, firma: t3 - t2, total: t3 - t0, bytes: out.length };
    };

    const tLaunch = performance.now();
    await one(); // starts Chromium
    log(name, `primer render (arranca Chromium): ${fmt(performance.now() - tLaunch)} ms`);
    for (let w = 1; w < WARMUP; w++) await one();

    const seq: { html: number; firma: number; total: number; bytes: number }[] = [];
    const tSeq = performance.now();
    for (let n = 0; n < SEQUENTIAL && performance.now() - tSeq < SEQUENTIAL_MAX_MS; n++) seq.push(await one());
    if (seq.length < SEQUENTIAL) log(name, `cortado por tiempo: ${seq.length} de ${SEQUENTIAL} renders en ${SEQUENTIAL_MAX_MS / 1000} s`);
    const seqMs = performance.now() - tSeq;
    const totals = seq.map((r) => r.total);
    log(name, `${seq.length} secuenciales en ${fmt(seqMs / 1000, 2)} s (HTML + PDF): ${describeLatencies(totals)}`);
    log(name, `  de ello la plantilla HTML (Handlebars + QR): mediana ${fmt(median(seq.map((r) => r.html)), 2)} ms; la firma (pdf-lib + CMS): mediana ${fmt(median(seq.map((r) => r.firma)), 2)} ms; PDF de ${fmt(median(seq.map((r) => r.bytes)) / 1024)} KB`);

    let done = 0;
    const lat: number[] = [];
    const t0 = performance.now();
    const deadline = t0 + WINDOW_MS;
    let lastEnd = t0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < deadline) {
          const r = await one();
          done++;
          lat.push(r.total);
          lastEnd = performance.now();
        }
      }),
    );
    const perSecond = (done / (lastEnd - t0)) * 1000;
    log(name, `${CONCURRENCY} a la vez durante ${WINDOW_MS / 1000} s: ${done} renders en ${fmt((lastEnd - t0) / 1000, 2)} s → ${fmt(perSecond, 2)}/s; ${describeLatencies(lat)}`);

    const ph = await phases(await html(i++));
    log(
      name,
      `desglose (mediana de ${ph.n}, puppeteer directo): newPage ${fmt(ph.newPage)} + setContent ${fmt(ph.setContent)} + pdf ${fmt(ph.pdf)} + close ${fmt(ph.close)} ms; ` +
        `con una página ya abierta y reutilizada: ${fmt(ph.reused)} ms por render`,
    );

    return [
      { bench: name, metric: 'mediana (secuencial)', value: median(totals), unit: 'ms', kind: 'max', target: 150, note: seq.length < SEQUENTIAL ? `solo ${seq.length} renders (tiempo)` : undefined },
      { bench: name, metric: 'p95 (secuencial)', value: percentile(totals, 95), unit: 'ms' },
      { bench: name, metric: 'de ello la firma PAdES (mediana)', value: median(seq.map((r) => r.firma)), unit: 'ms' },
      { bench: name, metric: `por segundo (${CONCURRENCY} a la vez)`, value: perSecond, unit: '/s', kind: 'min', target: 10 },
      { bench: name, metric: 'abrir + cerrar pestaña por render', value: ph.newPage + ph.close, unit: 'ms', note: 'informativo (desglose)' },
      { bench: name, metric: 'render con página reutilizada', value: ph.reused, unit: 'ms', note: 'informativo (desglose)' },
    ];
  } finally {
    await pdf.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const cargo = () => benchRender('cargo', (i, sello) => cargoHtml({ ...cargoData(i), sello }));
export const constancias = () => benchRender('constancias', (i, sello) => constanciaHtml({ ...constanciaData(i), sello }));
