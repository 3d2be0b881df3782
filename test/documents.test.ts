// Documents the system issues: verification codes, the cargo de recepción and the constancia de
// notificación electrónica as HTML (Lima time, escaping, QR, legal notes), then printed to A4 PDF
// by the real Chromium.
import test from 'ava';
import { PDFDocument } from 'pdf-lib';
import QRCode from 'qrcode';
import { DEFAULT_SETTINGS, fechasDePresentacion, limaInstant, plazo } from '../domain/calendar';
import {
  cargoHtml,
  constanciaHtml,
  formatBytes,
  newVerificationCode,
  type CargoData,
  type ConstanciaData,
} from '../lib/documents';
import { createPdfRenderer } from '../lib/pdf';
import type { Sello } from '../lib/signing';
import { testSigner } from './helpers/stack';
import { unescapeHtml } from './helpers/html';

const SHA_PRINCIPAL = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const SHA_ANEXO = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const CODIGO = 'K7QM-4XHT-9PZR';

const institucion = { nombre: 'Municipalidad Distrital de San Isidro', ruc: '20131377224', siglas: 'MDSI' };

// Friday 4 Dec 2026 23:30 in Lima: a business day, after hours → presented 04/12, received Monday 07/12 08:30.
const presentadoEn = new Date('2026-12-05T04:30:00Z');

function cargo(over: Partial<CargoData> = {}): CargoData {
  return {
    institucion,
    numero: '00123-2026',
    presentadoEn,
    fechaPresentacion: '2026-12-04',
    fechaRecepcion: limaInstant('2026-12-07', '08:30'),
    remitente: {
      nombre: 'Rosa Quispe Mamani',
      documento: 'DNI 40000001',
      email: 'rosa.quispe@example.pe',
    },
    tipoDocumento: 'Solicitud',
    numeroDocumento: 'S/N',
    asunto: 'Solicito licencia de funcionamiento <script>alert(1)</script> para bodega',
    folios: 12,
    destino: 'Subgerencia de Licencias y Autorizaciones',
    archivos: [
      { rol: 'Principal', nombre: 'solicitud-licencia.pdf', bytes: 1_258_291, sha256: SHA_PRINCIPAL },
      { rol: 'Anexo', nombre: 'plano-de-ubicacion.png', bytes: 348_160, sha256: SHA_ANEXO },
    ],
    claveSeguimiento: 'T4KX9M2Q',
    codigoVerificacion: CODIGO,
    verificacionUrl: `https://mpv.munisanisidro.gob.pe/verificar/${CODIGO}`,
    consultaUrl: 'https://mpv.munisanisidro.gob.pe/consulta',
    fueraDeHorario: true,
    ...over,
  };
}

const deposito = limaInstant('2026-12-04', '10:00');
const plazo2 = plazo(deposito, 2, DEFAULT_SETTINGS); // DESIGN.md example: 07/12 → (8, 9 Dec holidays) → 10/12

function constancia(over: Partial<ConstanciaData> = {}): ConstanciaData {
  return {
    institucion,
    expediente: '00123-2026',
    administrado: { nombre: 'Rosa Quispe Mamani', documento: 'DNI 40000001', email: 'rosa.quispe@example.pe' },
    documento: {
      tipo: 'Carta',
      numero: '045-2026-SGLA/MDSI',
      asunto: 'Observaciones a su solicitud de licencia de funcionamiento',
      emisor: 'Subgerencia de Licencias y Autorizaciones',
      firmante: 'Juan Pérez Rojas, Subgerente',
    },
    archivos: [{ nombre: 'carta-045-2026.pdf', bytes: 215_040, sha256: SHA_PRINCIPAL }],
    depositadoEn: deposito,
    plazo: { descripcion: 'Subsanación de observaciones', ...plazo2 },
    codigoVerificacion: CODIGO,
    verificacionUrl: `https://mpv.munisanisidro.gob.pe/verificar/${CODIGO}`,
    ...over,
  };
}


/** Collapse whitespace so assertions do not depend on template line breaks; tags are dropped. */
function text(html: string): string {
  return unescapeHtml(html.replace(/<style[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
}

// ------------------------------------------------------------------------------------------------

test('newVerificationCode: XXXX-XXXX-XXXX without ambiguous characters, unique', (t) => {
  const codes = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const c = newVerificationCode();
    t.regex(c, /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    t.false(/[01OI]/.test(c), c);
    codes.add(c);
  }
  t.is(codes.size, 1000);
});

test('formatBytes: human sizes with a decimal comma', (t) => {
  t.is(formatBytes(0), '0 bytes');
  t.is(formatBytes(1), '1 byte');
  t.is(formatBytes(532), '532 bytes');
  t.is(formatBytes(12_800), '12,5 KB');
  t.is(formatBytes(1_258_291), '1,2 MB');
  t.is(formatBytes(1024 * 1024 - 1), '1,0 MB');
  t.throws(() => formatBytes(-1));
});

test('the fixture dates are what the calendar gives for a Friday 23:30 filing', (t) => {
  const f = fechasDePresentacion(presentadoEn, DEFAULT_SETTINGS);
  t.is(f.presentacion, '2026-12-04');
  t.is(f.recepcion.getTime(), limaInstant('2026-12-07', '08:30').getTime());
});

test('cargoHtml: number, both dates in Lima time, files, clave, QR and the fuera-de-horario note', async (t) => {
  const d = cargo();
  const html = await cargoHtml(d);
  const txt = text(html);

  t.true(html.startsWith('<!DOCTYPE html>'));
  t.true(txt.includes('CARGO DE RECEPCIÓN — Mesa de Partes Virtual'));
  t.true(txt.includes('Municipalidad Distrital de San Isidro'));
  t.true(txt.includes('RUC 20131377224'));
  t.true(txt.includes('00123-2026'));
  // Instant of filing, the legal date and the office's reception, all in Lima time.
  t.true(txt.includes('Enviado el 04/12/2026 23:30:00 (hora de Lima)'), txt);
  t.true(txt.includes('Fecha de presentación 04/12/2026'));
  t.true(txt.includes('Ley N.° 31465'));
  t.true(txt.includes('Fecha de recepción 07/12/2026 08:30:00 (hora de Lima)'));
  t.true(txt.includes('los plazos de la entidad se cuentan desde esta fecha'));
  t.false(txt.includes('05/12/2026'), 'no UTC date leaks in');
  // Sender, document, the rest of the table.
  t.true(txt.includes('Rosa Quispe Mamani — DNI 40000001'));
  t.true(txt.includes('rosa.quispe@example.pe'));
  t.true(txt.includes('Solicitud S/N'));
  t.true(txt.includes('Folios 12'));
  t.true(txt.includes('Subgerencia de Licencias y Autorizaciones'));
  // Files with their SHA-256 and human sizes.
  t.true(html.includes(SHA_PRINCIPAL));
  t.true(html.includes(SHA_ANEXO));
  t.true(txt.includes('solicitud-licencia.pdf'));
  t.true(txt.includes('1,2 MB'));
  t.true(txt.includes('340,0 KB'));
  // Tracking password and where to use it.
  t.true(txt.includes('T4KX9M2Q'));
  t.true(txt.includes('Consérvela: con el número de expediente y esta clave puede consultar su expediente en https://mpv.munisanisidro.gob.pe/consulta'));
  // Verification: code, URL, and the QR of the URL embedded as a data: URL.
  t.true(txt.includes(`Código de verificación: ${CODIGO}`));
  t.true(txt.includes(`Verifique la autenticidad de este documento en https://mpv.munisanisidro.gob.pe/verificar/${CODIGO}`));
  const src = /<img src="([^"]+)"/.exec(html)?.[1];
  t.truthy(src);
  const qr = unescapeHtml(src!);
  t.true(qr.startsWith('data:image/png;base64,'));
  t.is(qr, await QRCode.toDataURL(d.verificacionUrl, { errorCorrectionLevel: 'M', margin: 1, width: 160 }));
  // Filed after hours: the note explains both dates.
  t.true(
    txt.includes(
      'Presentado fuera del horario de atención: se considera presentado el 04/12/2026 (Ley N.° 31465) y se recibe el 07/12/2026 08:30:00 (hora de Lima)',
    ),
    txt,
  );
});

test('cargoHtml: data is escaped and no external resource is referenced', async (t) => {
  const html = await cargoHtml(
    cargo({
      remitente: {
        nombre: 'Comercial "Los Andes" & Cía <b>S.A.C.</b>',
        documento: 'RUC 20100047218',
        representante: 'Ana <img src=x onerror=alert(1)> Torres',
        email: 'ventas@losandes.pe',
      },
    }),
  );
  t.false(html.includes('<script>'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.false(html.includes('<b>S.A.C.</b>'));
  t.false(html.includes('<img src=x'));
  t.true(html.includes('Comercial &quot;Los Andes&quot; &amp; Cía &lt;b&gt;S.A.C.&lt;/b&gt;'));
  t.true(text(html).includes('Representante: Ana <img src=x onerror=alert(1)> Torres'));
  // Self-contained: no stylesheet, script, font or image fetched from anywhere.
  t.false(/<link\b/i.test(html));
  t.false(/<script\b/i.test(html));
  t.false(/\bsrc="(?!data:)/i.test(html));
  t.false(/url\(/i.test(html));
  t.false(/@import/i.test(html));
});

test('cargoHtml: the running page footer (a CSS string) cannot be broken out of', async (t) => {
  const html = await cargoHtml(cargo({ numero: '00123-2026"; } body { display: none } /*' }));
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1];
  t.true(style.includes('content: "Cargo de recepción · Expediente 00123-2026bodydisplaynone/ — Página " counter(page)'));
  t.false(style.includes('display: none'));
  t.true(html.includes('00123-2026&quot;; } body { display: none } /*'));
  t.true((await cargoHtml(cargo())).includes('Expediente 00123-2026 — Página " counter(page) " de " counter(pages)'));
});

test('cargoHtml: a filing inside business hours has no fuera-de-horario note; a non-http URL is not a link', async (t) => {
  const at = limaInstant('2026-12-03', '10:15', 2);
  const html = await cargoHtml(
    cargo({
      presentadoEn: at,
      fechaPresentacion: '2026-12-03',
      fechaRecepcion: at,
      fueraDeHorario: false,
      consultaUrl: 'javascript:alert(1)',
    }),
  );
  const txt = text(html);
  t.false(txt.includes('fuera del horario'));
  t.true(txt.includes('Enviado el 03/12/2026 10:15:02 (hora de Lima)'));
  t.true(txt.includes('Fecha de recepción 03/12/2026 10:15:02 (hora de Lima)'));
  t.false(html.includes('href="javascript:'));
});

test('cargoHtml: an invalid legal date fails instead of printing a wrong cargo', async (t) => {
  await t.throwsAsync(cargoHtml(cargo({ fechaPresentacion: '2026-02-30' })), { instanceOf: RangeError });
  await t.throwsAsync(cargoHtml(cargo({ presentadoEn: new Date('nope') })), { instanceOf: RangeError });
});

test('constanciaHtml: administrado, document, deposit instant, Ley 31736 rule, plazo and QR', async (t) => {
  const html = await constanciaHtml(constancia());
  const txt = text(html);
  t.true(txt.includes('CONSTANCIA DE NOTIFICACIÓN ELECTRÓNICA'));
  t.true(txt.includes('00123-2026'));
  t.true(txt.includes('Rosa Quispe Mamani'));
  t.true(txt.includes('DNI 40000001'));
  t.true(txt.includes('rosa.quispe@example.pe'));
  t.true(txt.includes('Carta 045-2026-SGLA/MDSI'));
  t.true(txt.includes('Observaciones a su solicitud de licencia de funcionamiento'));
  t.true(txt.includes('Juan Pérez Rojas, Subgerente'));
  t.true(html.includes(SHA_PRINCIPAL));
  t.true(txt.includes('210,0 KB'));
  t.true(txt.includes('Fecha y hora de depósito en la casilla electrónica 04/12/2026 10:00:00 (hora de Lima)'));
  t.true(
    txt.includes(
      'Conforme a la Ley N.° 31736 y al TUO de la Ley N.° 27444, la notificación se entiende efectuada con el depósito en la casilla electrónica; los plazos se computan a partir del día hábil siguiente al depósito.',
    ),
  );
  t.true(txt.includes('Plazo: Subsanación de observaciones: del 07/12/2026 al 10/12/2026 (días hábiles)'), txt);
  t.true(txt.includes('Vence el 10/12/2026 23:59:59 (hora de Lima)'));
  t.true(txt.includes(`Código de verificación: ${CODIGO}`));
  const src = unescapeHtml(/<img src="([^"]+)"/.exec(html)![1]);
  t.true(src.startsWith('data:image/png;base64,'));
});

test('constanciaHtml: without a plazo there is no plazo line; data is escaped', async (t) => {
  const d = constancia({ plazo: undefined });
  d.documento = { ...d.documento, asunto: 'Resolución <script>x()</script>' };
  const html = await constanciaHtml(d);
  t.false(text(html).includes('Plazo:'));
  t.false(html.includes('<script>'));
  t.true(html.includes('&lt;script&gt;x()&lt;/script&gt;'));
});

// ------------------------------------------------------------------------------------------------

test('the real Chromium prints both documents on A4, with their signature stamp: one page for a typical case, two at most for the largest', async (t) => {
  const pdf = createPdfRenderer(process.env.PDF_CHROMIUM_PATH || process.env.PUPPETEER_EXECUTABLE_PATH || '/usr/bin/chromium', { signer: testSigner() });
  t.teardown(() => pdf.close());
  for (const [name, html] of [
    ['cargo', (sello: Sello) => cargoHtml({ ...cargo(), sello })],
    ['constancia', (sello: Sello) => constanciaHtml({ ...constancia(), sello })],
  ] as const) {
    const doc = await PDFDocument.load((await pdf.issue(html, name)).pdf);
    t.is(doc.getPageCount(), 1, `${name}: páginas`);
    const { width, height } = doc.getPage(0).getSize();
    t.true(Math.abs(width - 595.28) < 1, `${name}: ancho ${width}`);
    t.true(Math.abs(height - 841.89) < 1, `${name}: alto ${height}`);
  }

  // The largest filing (principal + 5 anexos, long names, a long asunto) flows onto a second A4 page.
  const largo = 'Solicito la renovación de la licencia de funcionamiento y el certificado ITSE del local. '.repeat(8);
  const archivos = [
    { rol: 'Principal' as const, nombre: `solicitud_${'x'.repeat(120)}.pdf`, bytes: 19_800_000, sha256: SHA_PRINCIPAL },
    ...[1, 2, 3, 4, 5].map((i) => ({ rol: 'Anexo' as const, nombre: `anexo_${i}_${'y'.repeat(80)}.pdf`, bytes: 4_900_000, sha256: SHA_ANEXO })),
  ];
  const doc = await PDFDocument.load((await pdf.issue((sello) => cargoHtml({ ...cargo({ asunto: largo, archivos }), sello }), 'cargo')).pdf);
  t.true(doc.getPageCount() >= 1 && doc.getPageCount() <= 2, `páginas ${doc.getPageCount()}`);
  for (const page of doc.getPages()) t.true(Math.abs(page.getWidth() - 595.28) < 1 && Math.abs(page.getHeight() - 841.89) < 1);
});
