// Mail templates: every mail renders subject/text/html, data is escaped in HTML only,
// and an unknown name or a missing field fails loudly instead of sending a broken message.
import test from 'ava';
import { MAIL_NAMES, renderMail, type MailName } from '../lib/templates';
import { unescapeHtml } from './helpers/html';

const ctx = { institucion: 'Municipalidad Distrital de Ejemplo', portalUrl: 'https://mpv.example.gob.pe/' };
const enlace = 'https://mpv.example.gob.pe/cuenta/confirmar?token=abc123&u=42';

const samples: Record<MailName, Record<string, unknown>> = {
  verificacion: { nombre: 'Rosa Quispe', codigo: '482913', enlace, vigenciaHoras: 24 },
  'clave-olvido': { nombre: 'Rosa Quispe', enlace, vigenciaDias: 2 },
  'clave-cambiada': { nombre: 'Rosa Quispe', fecha: '12/03/2025 10:15' },
  'cuenta-personal': { nombre: 'Rosa Quispe', rol: 'Mesa de partes', enlace, vigenciaDias: 2 },
  cargo: { nombre: 'Rosa Quispe', numero: '00012-2026', clave: 'K7P2QX9M', fechaPresentacion: '04/12/2026', fechaRecepcion: '07/12/2026 08:30:00 (hora de Lima)', asunto: 'Solicitud' },
  notificacion: { nombre: 'Rosa Quispe', titulo: 'Se formularon observaciones', numero: '00012-2026', asunto: 'Solicitud', detalle: 'Falta la firma.', vence: '10/12/2026 23:59:59 (hora de Lima)' },
  'plazo-vencido': { nombre: 'Rosa Quispe', plazo: 'atención', numero: '00012-2026', asunto: 'Solicitud', estado: 'derivado', unidad: 'OAJ' },
  'segundo-factor-activado': { nombre: 'Rosa Quispe', fecha: '12/03/2025 10:15' },
  'segundo-factor-desactivado': { nombre: 'Rosa Quispe', fecha: '12/03/2025 10:15' },
  'cargo-escrito': { nombre: 'Rosa Quispe', numero: '00012-2026', titulo: 'Escrito N.º 2', asunto: 'Adjunto nuevas pruebas', fechaPresentacion: '04/12/2026', fechaRecepcion: '07/12/2026 08:30:00 (hora de Lima)', enlace: 'https://mpv.example.gob.pe/expedientes/00012-2026' },
  'escrito-nuevo': { nombre: 'Rosa Quispe', numero: '00012-2026', escrito: 'Escrito N.º 2', remitente: 'Juan Pérez', asunto: 'Adjunto nuevas pruebas', fechaPresentacion: '04/12/2026', fechaRecepcion: '07/12/2026 08:30:00 (hora de Lima)', enlace: 'https://mpv.example.gob.pe/expedientes/00012-2026' },
  'casilla-alerta': { nombre: 'Rosa Quispe', titulo: 'Se formularon observaciones', numero: '00012-2026', documento: 'Notificación de observaciones 00003-2026-MP', asunto: 'Observaciones a su expediente 00012-2026', dependencia: 'Mesa de Partes', depositadaEn: '04/12/2026 10:00:00 (hora de Lima)', detalle: 'Falta la firma.', vence: '10/12/2026 23:59:59 (hora de Lima)', enlace: 'https://mpv.example.gob.pe/casilla/7' },
  'aviso-derivacion': { nombre: 'Rosa Quispe', numero: '00012-2026', asunto: 'Solicitud de licencia', remitente: 'Juan Pérez', proveido: 'Emitir informe legal', unidad: 'Oficina de Asesoría Jurídica', derivadoPor: 'Marta Salazar', derivadoEl: '07/12/2026 09:15:00 (hora de Lima)', bandeja: 'https://mpv.example.gob.pe/bandeja/por-recibir', enlace: 'https://mpv.example.gob.pe/expedientes/00012-2026', perfil: 'https://mpv.example.gob.pe/cuenta/perfil' },
  'aviso-subsanacion': { nombre: 'Rosa Quispe', numero: '00012-2026', asunto: 'Solicitud de licencia', remitente: 'Juan Pérez', destino: 'mesa de partes', observacion: 'Falta la firma.', nota: 'Adjunto el documento firmado.', subsanadoEl: '07/12/2026 09:15:00 (hora de Lima)', bandeja: 'https://mpv.example.gob.pe/bandeja/por-validar', bandejaNombre: 'Por validar', enlace: 'https://mpv.example.gob.pe/expedientes/00012-2026', perfil: 'https://mpv.example.gob.pe/cuenta/perfil' },
  'resumen-avisos': {
    nombre: 'Rosa Quispe',
    fecha: '07/12/2026',
    total: 2,
    avisos: [
      { n: 1, titulo: 'Derivado a su unidad', numero: '00012-2026', asunto: 'Solicitud de licencia', detalleNombre: 'Proveído', detalle: 'Emitir informe legal', ocurrido: '04/12/2026 15:00:00 (hora de Lima)', enlace: 'https://mpv.example.gob.pe/expedientes/00012-2026' },
      { n: 2, titulo: 'Escrito nuevo', numero: '00013-2026', asunto: 'Queja', detalleNombre: 'Escrito', detalle: '', ocurrido: '05/12/2026 11:00:00 (hora de Lima)', enlace: 'https://mpv.example.gob.pe/expedientes/00013-2026' },
    ],
    bandeja: 'https://mpv.example.gob.pe/bandeja',
    perfil: 'https://mpv.example.gob.pe/cuenta/perfil',
  },
};


for (const name of MAIL_NAMES) {
  test(`${name}: renders subject, text and html`, (t) => {
    const m = renderMail(name, { ...ctx, ...samples[name] });
    t.true(m.subject.length > 0);
    t.false(/[\r\n]/.test(m.subject));
    t.is(m.subject, m.subject.trim());
    t.true(m.subject.includes(ctx.institucion));
    t.true(m.text.includes('Rosa Quispe'));
    t.true(m.text.endsWith('\n'));
    t.false(m.text.includes('<'), 'plain text carries no markup');
    t.true(m.html.startsWith('<!DOCTYPE html>'));
    t.true(m.html.includes('Rosa Quispe'));
    // Layout: institution in the header and footer, automatic-message notice.
    t.true(m.html.includes('Este es un mensaje automático; no responda a este correo.'));
    t.true(m.html.split(ctx.institucion).length - 1 >= 2);
    t.true(m.html.includes('name="viewport"'));
    t.false(/\{\{|\}\}/.test(m.subject + m.text + m.html), 'no unrendered mustaches');
  });
}

test('verificacion: code and link in text and html, code kept out of the subject', (t) => {
  const m = renderMail('verificacion', { ...ctx, ...samples.verificacion });
  t.is(m.subject, `Confirme su correo electrónico — ${ctx.institucion}`);
  t.false(m.subject.includes('482913'));
  for (const body of [m.text, unescapeHtml(m.html)]) {
    t.true(body.includes('482913'));
    t.true(body.includes(enlace));
    t.true(body.includes('24 horas'));
    t.true(body.includes('5 intentos'));
    t.true(body.includes('Si usted no creó una cuenta, ignore este mensaje.'));
  }
  t.true(m.text.includes(enlace), 'text keeps & verbatim');
  t.true(m.html.includes('href="https://mpv.example.gob.pe/cuenta/confirmar?token&#x3D;abc123&amp;u&#x3D;42"'));
});

test('clave-olvido: link, validity and single use', (t) => {
  const m = renderMail('clave-olvido', { ...ctx, ...samples['clave-olvido'] });
  for (const body of [m.text, unescapeHtml(m.html)]) {
    t.true(body.includes(enlace));
    t.true(body.includes('2 días'));
    t.true(body.includes('una vez'));
    t.true(body.includes('su contraseña no ha cambiado'));
  }
  const one = renderMail('clave-olvido', { ...ctx, ...samples['clave-olvido'], vigenciaDias: 1 });
  t.true(one.text.includes('1 día '));
});

test('clave-cambiada: date and recovery link under portalUrl', (t) => {
  const m = renderMail('clave-cambiada', { ...ctx, ...samples['clave-cambiada'] });
  for (const body of [m.text, unescapeHtml(m.html)]) {
    t.true(body.includes('12/03/2025 10:15'));
    t.true(body.includes('https://mpv.example.gob.pe/clave/olvido'), 'trailing slash of portalUrl not doubled');
    t.true(body.includes('Olvidé mi contraseña'));
    t.true(body.includes('sesiones'));
  }
});

test('cuenta-personal: role and set-password link', (t) => {
  const m = renderMail('cuenta-personal', { ...ctx, ...samples['cuenta-personal'] });
  for (const body of [m.text, unescapeHtml(m.html)]) {
    t.true(body.includes('Mesa de partes'));
    t.true(body.includes(enlace));
    t.true(body.includes('2 días'));
  }
});

test('HTML escapes data, text and subject keep it verbatim', (t) => {
  const nombre = '<script>alert("x")</script> & Cía';
  const m = renderMail('verificacion', { ...ctx, ...samples.verificacion, nombre, institucion: 'Muni <b>' });
  t.false(m.html.includes('<script>'));
  t.true(m.html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Cía'));
  t.true(m.text.includes(nombre));
  t.false(m.text.includes('&lt;'));
  t.false(m.text.includes('&amp;'));
  t.is(m.subject, 'Confirme su correo electrónico — Muni <b>');
});

test('subject stays on one line even if data carries newlines', (t) => {
  const m = renderMail('clave-olvido', { ...ctx, ...samples['clave-olvido'], institucion: 'Muni\r\nBcc: x@y.pe' });
  t.false(/[\r\n]/.test(m.subject));
  t.is(m.subject, 'Restablezca su contraseña — Muni Bcc: x@y.pe');
});

test('unknown template name throws', (t) => {
  for (const name of ['no-existe', '_layout', '../package', '']) {
    t.throws(() => renderMail(name as MailName, { ...ctx }), {
      message: `Plantilla de correo desconocida: ${name}`,
    });
  }
});

test('missing field throws instead of rendering a hole', (t) => {
  const { enlace: _omit, ...rest } = samples.verificacion;
  t.throws(() => renderMail('verificacion', { ...ctx, ...rest }), { message: /Plantilla de correo verificacion: .*"enlace"/ });
});

test('repeated renders reuse the compiled templates and give the same output', (t) => {
  const a = renderMail('cuenta-personal', { ...ctx, ...samples['cuenta-personal'] });
  const b = renderMail('cuenta-personal', { ...ctx, ...samples['cuenta-personal'] });
  t.deepEqual(a, b);
});
