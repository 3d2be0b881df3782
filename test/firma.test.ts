// Every PDF the system issues is signed (PAdES B-B, ETSI.CAdES.detached) and tagged, as an
// independent reader (poppler's pdfsig and pdfinfo) sees it: the cargo, the constancia and an
// export; one byte changed after signing breaks the signature; the verification page and API name
// the signer, the signing time and the certificate's fingerprint; the file still opens in
// Chromium's viewer. A configured PKCS#12 (made with openssl, as an institution's comes) signs in
// place of the demo certificate, which is generated once and kept.
import { execFile as execFileCb, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDFDocument, PDFName, PDFString } from 'pdf-lib';
import type { Page } from 'puppeteer-core';
import type { ExecutionContext } from 'ava';
import { sharedStack } from './helpers/shared';
import { actionMultipart, fileMultipart, makePdf, type Client } from './helpers/http';
import { openBrowser } from './helpers/browser';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';
import { pdfChromium } from './helpers/stack';
import { createPdfRenderer } from '../lib/pdf';
import { ensureDemoCertificate, loadPdfSigner, SigningConfigError } from '../lib/signing';
import { formatLimaInstant } from '../lib/documents';

const execFile = promisify(execFileCb);
const INSTITUCION = 'Entidad Demo del Estado Peruano';

const test = sharedStack({ ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' });

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `mpv-firma-${name}-`));

/** pdfsig's report of a PDF (it exits non-zero for a bad signature; the report is what we read). */
async function pdfsig(pdf: Buffer): Promise<string> {
  const file = join(tmp('pdfsig'), 'doc.pdf');
  writeFileSync(file, pdf);
  try {
    return (await execFile('pdfsig', [file])).stdout;
  } catch (err) {
    return (err as { stdout?: string }).stdout ?? '';
  }
}

function pdfinfo(pdf: Buffer): Record<string, string> {
  const out = execFileSync('pdfinfo', ['-'], { input: pdf }).toString();
  return Object.fromEntries(out.split('\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')).trim(), l.slice(l.indexOf(':') + 1).trim()]));
}

const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-raw', '-', '-'], { input: pdf }).toString().replace(/[ \t]+/g, ' ');

async function lang(pdf: Buffer) {
  const doc = await PDFDocument.load(pdf, { updateMetadata: false });
  return doc.catalog.lookupMaybe(PDFName.of('Lang'), PDFString)?.decodeText();
}

async function download(c: Client, url: string) {
  const res = await c.get(url);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** What a test asks of every issued PDF: one valid signature over the whole file, tagged, es-PE. */
async function assertSignedAndTagged(t: ExecutionContext<unknown>, pdf: Buffer, what: string, signer = INSTITUCION) {
  const report = await pdfsig(pdf);
  t.regex(report, /Signature #1:/, what);
  t.is(report.match(/Signature #\d+:/g)?.length, 1, `${what}: una sola firma`);
  t.regex(report, /Signature Type: ETSI\.CAdES\.detached/, `${what}: PAdES`);
  t.regex(report, new RegExp(`Signer Certificate Common Name: ${signer}`), what);
  t.regex(report, /Signing Hash Algorithm: SHA-256/, what);
  t.regex(report, /Total document signed/, `${what}: la firma cubre todo el documento`);
  t.regex(report, /Signature Validation: Signature is Valid\./, what);
  const info = pdfinfo(pdf);
  t.is(info.Tagged, 'yes', `${what}: PDF etiquetado`);
  t.regex(info.Title ?? '', /\S/, `${what}: título`);
  t.is(await lang(pdf), 'es-PE', `${what}: idioma`);
  // One byte of the signed content changed: the signature no longer holds.
  const tampered = Buffer.from(pdf);
  const at = tampered.indexOf('/Type /Page') + 1;
  tampered[at] = tampered[at] === 0x54 ? 0x55 : 0x54;
  t.regex(await pdfsig(tampered), /Signature Validation: (Digest Mismatch|Signature is Invalid)/, `${what}: alterado`);
}

test('the cargo and the constancia are signed, tagged and verifiable: signer, time and fingerprint on the page and in the API', async (t) => {
  const { stack, ciudadano, mesa } = t.context;
  const huella = stack.pdf.signer!.certificado.huella;
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Solicitud con cargo firmado' });
  t.is(filed.status, 201, JSON.stringify(filed.body));
  const { numero, cargoUrl, codigoVerificacion } = filed.body as { numero: string; cargoUrl: string; codigoVerificacion: string };
  await until(async () => Boolean((await stack.db('expedientes').where({ numero }).first('cargo_key'))?.cargo_key));
  const cargo = await download(ciudadano, cargoUrl);
  await assertSignedAndTagged(t, cargo, 'cargo');

  // The verification API and page: the signer, the time the stamp prints, the certificate.
  const v = (await (await fetch(`${stack.base}/api/v1/verificacion/${codigoVerificacion}`)).json()) as {
    firma: { firmante: string; firmadoEn: string; huellaCertificado: string; certificadoDeDemostracion: boolean };
  };
  t.like(v.firma, { firmante: INSTITUCION, huellaCertificado: huella, certificadoDeDemostracion: true });
  const firmadoEn = new Date(v.firma.firmadoEn);
  // The visible stamp prints the instant the signature carries.
  const texto = pdfText(cargo).replace(/\s+/g, ' ');
  t.true(texto.includes(`Firmado digitalmente por ${INSTITUCION} — ${formatLimaInstant(firmadoEn)}`), texto);
  t.true(texto.includes('Certificado de demostración'));
  const page = unescapeHtml(await (await fetch(`${stack.base}/verificacion/${codigoVerificacion}`)).text());
  for (const s of [INSTITUCION, huella, 'certificado de demostración', 'Fecha y hora de la firma']) t.true(page.includes(s), s);

  // The constancia of an observation: signed by the system's certificate on behalf of the official.
  t.is((await mesa.post(`/api/v1/expedientes/${numero}/observar`, { motivo: 'Adjunte la vigencia de poder' })).status, 200);
  let constanciaUrl = '';
  await until(async () => {
    const d = (await (await ciudadano.get(`/api/v1/expedientes/${numero}`)).json()) as { notificaciones: { constanciaUrl: string | null }[] };
    constanciaUrl = d.notificaciones[0]?.constanciaUrl ?? '';
    return Boolean(constanciaUrl);
  });
  const constancia = await download(ciudadano, constanciaUrl);
  await assertSignedAndTagged(t, constancia, 'constancia');
  t.regex(pdfText(constancia).replace(/\s+/g, ' '), new RegExp(`Firmado por Firmado digitalmente por ${INSTITUCION} \\(certificado digital de la entidad\\), en nombre de .+, quien emitió el acto`));

  // The subsanación's own cargo.
  const subsanado = await actionMultipart(stack.base, ciudadano, numero, 'subsanar', { nota: 'Adjunto la vigencia de poder' }, [{ field: 'documentos', name: 'vigencia.pdf', data: await makePdf(1) }]);
  t.is(subsanado.status, 200, JSON.stringify(subsanado.body));
  const { cargoUrl: cargoSubsanacion } = subsanado.body as { cargoUrl: string };
  let cargo2: Buffer | undefined;
  await until(async () => {
    const res = await ciudadano.get(cargoSubsanacion);
    if (res.status === 200 && res.headers.get('content-type') === 'application/pdf') cargo2 = Buffer.from(await res.arrayBuffer());
    else await res.arrayBuffer();
    return Boolean(cargo2);
  });
  await assertSignedAndTagged(t, cargo2!, 'cargo de subsanación');
});

test('a PDF export of a tray is signed and tagged too', async (t) => {
  const { supervisor } = t.context;
  const pdf = await download(supervisor, '/api/v1/bandejas/todos/export.pdf');
  await assertSignedAndTagged(t, pdf, 'exportación');
  t.true(pdfText(pdf).includes(`Firmado digitalmente por ${INSTITUCION}`));
});

async function viewerShows(p: Page, pages: number) {
  const viewer = await p.waitForFrame((f) => f.url().startsWith('chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/'));
  await viewer.waitForFunction(
    (n) => {
      const toolbar = document.querySelector('pdf-viewer')?.shadowRoot?.querySelector('viewer-toolbar');
      return (toolbar?.shadowRoot?.querySelector('viewer-page-selector') as { docLength?: number } | null)?.docLength === n;
    },
    {},
    pages,
  );
}

test('in a browser: the signed cargo opens in Chromium’s PDF viewer', async (t) => {
  const { stack, ciudadano } = t.context;
  const filed = await fileMultipart(stack.base, ciudadano, { asunto: 'Cargo firmado en el visor' });
  const { numero, cargoUrl } = filed.body as { numero: string; cargoUrl: string };
  await until(async () => Boolean((await stack.db('expedientes').where({ numero }).first('cargo_key'))?.cargo_key));
  const pages = (await PDFDocument.load(await download(ciudadano, cargoUrl))).getPageCount();
  const { browser, errors, session } = await openBrowser(stack.base);
  try {
    const p = await session('ciudadano@demo.pe', `/expedientes/${numero}`);
    await p.goto(stack.base + cargoUrl);
    await viewerShows(p, pages);
    t.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});

/** A PKCS#12 as a certification authority delivers it, made by openssl. */
function opensslPkcs12(cn: string, password: string) {
  const dir = tmp('p12');
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', `/C=PE/O=${cn}/CN=${cn}`]);
  run(['pkcs12', '-export', '-inkey', 'key.pem', '-in', 'cert.pem', '-out', 'entidad.p12', '-passout', `pass:${password}`]);
  return join(dir, 'entidad.p12');
}

test('a configured PKCS#12 signs in place of the demo certificate; a wrong one stops with the variable named', async (t) => {
  const cn = 'Municipalidad Distrital de Prueba';
  const path = opensslPkcs12(cn, 'clave-de-prueba');
  const institution = { name: INSTITUCION, ruc: '20100000001' };
  const { signer, aviso } = loadPdfSigner({ certificatePath: path, certificatePassword: 'clave-de-prueba', dataDir: tmp('datos'), institution });
  t.false(signer.certificado.demo);
  t.is(signer.certificado.titular, cn);
  t.true(aviso.includes(signer.certificado.huella));
  const fingerprint = execFileSync('openssl', ['x509', '-in', join(path, '..', 'cert.pem'), '-noout', '-fingerprint', '-sha256']).toString();
  t.is(fingerprint.trim().split('=')[1], signer.certificado.huella);

  const renderer = createPdfRenderer(pdfChromium(), { signer });
  try {
    const { pdf, sello } = await renderer.issue((s) => `<!DOCTYPE html><html lang="es-PE"><head><title>Prueba</title></head><body><p>Firmado por ${s.firmante}</p></body></html>`, 'Prueba');
    t.is(sello.firmante, cn);
    await assertSignedAndTagged(t, pdf, 'certificado configurado', cn);
  } finally {
    await renderer.close();
  }

  const wrong = t.throws(() => loadPdfSigner({ certificatePath: path, certificatePassword: 'otra', dataDir: tmp('datos'), institution }), { instanceOf: SigningConfigError });
  t.regex(wrong!.message, /^FIRMA_CERTIFICADO=.*clave incorrecta/);
  const missing = t.throws(() => loadPdfSigner({ certificatePath: join(tmp('nada'), 'no.p12'), dataDir: tmp('datos'), institution }), { instanceOf: SigningConfigError });
  t.regex(missing!.message, /^FIRMA_CERTIFICADO=.*no se puede leer \(ENOENT\)/);
});

test('the demo certificate is generated once, kept private under the data folder, and names the institution', async (t) => {
  const dataDir = tmp('demo');
  const institution = { name: 'Instituto Demo', ruc: '20999999991' };
  // Two processes starting together on an empty data folder end up with one certificate.
  const script = `import { loadPdfSigner } from ${JSON.stringify(new URL('../lib/signing.ts', import.meta.url).pathname)}; const { signer } = loadPdfSigner({ dataDir: process.argv[1], institution: ${JSON.stringify(institution)} }); console.log(signer.certificado.huella);`;
  const both = await Promise.all([0, 1].map(() => execFile(process.execPath, ['--import=tsx', '--input-type=module', '-e', script, dataDir])));
  const [a, b] = both.map((r) => r.stdout.trim());
  t.regex(a, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  t.is(a, b);
  const again = ensureDemoCertificate(dataDir, institution);
  t.false(again.created);
  t.is(statSync(again.p12Path).mode & 0o777, 0o600);
  const { signer, aviso } = loadPdfSigner({ dataDir, institution });
  t.is(signer.certificado.huella, a);
  t.true(signer.certificado.demo);
  t.regex(aviso, /certificado de demostración/);
  t.regex(signer.certificado.sujeto, /CN=Instituto Demo/);
  t.regex(signer.certificado.sujeto, /VATPE-20999999991/);
  t.true(readFileSync(again.p12Path).length > 1000);
});
