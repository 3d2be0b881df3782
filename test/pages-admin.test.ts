// The administration pages as an admin uses them: plain forms posted urlencoded with `_csrf`,
// errors beside their field with the values kept, 403 for every other role; a non-working day
// added on the page moves a running case's plazo; then a real browser (Puppeteer) works the
// offices page with the keyboard. Set SCREENSHOTS_DIR to keep screenshots of the pages.
import { sharedStack } from './helpers/shared';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { launchOptions } from '../lib/pdf';
import { required, uid, TEST_PASSWORD } from './helpers/stack';
import { fileMultipart, type Client } from './helpers/http';
import { unescapeHtml } from './helpers/html';
import { until } from './helpers/wait';
import { answerCode } from './helpers/browser';

const test = sharedStack({ admin: 'admin@demo.gob.pe', ciudadano: 'ciudadano@demo.pe', mesa: 'mesa@demo.gob.pe', supervisor: 'supervisor@demo.gob.pe' });

interface Html {
  status: number;
  location: string | null;
  html: string;
}

async function page(base: string, c: Client | null, path: string): Promise<Html> {
  const res = await fetch(base + path, { redirect: 'manual', headers: { accept: 'text/html', cookie: c?.cookie ?? '' } });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

async function postForm(base: string, c: Client, path: string, fields: Record<string, string>, csrf = true): Promise<Html> {
  const res = await fetch(base + path, {
    method: 'POST',
    redirect: 'manual',
    headers: { accept: 'text/html', cookie: c.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(csrf ? { ...fields, _csrf: c.csrf } : fields),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

const code = (prefix: string) => `${prefix}${uid().slice(0, 6).toUpperCase()}`;
const PAGES = ['/admin', '/admin/unidades', '/admin/unidades/OAJ', '/admin/tipos', '/admin/tipos/CARTA', '/admin/horario', '/admin/calendario', '/admin/auditoria', '/admin/personal'];

test('every admin page: anonymous → log in, citizen / mesa / supervisor → 403, admin → 200; posts need _csrf', async (t) => {
  const { stack, admin, ciudadano, mesa, supervisor } = t.context;
  for (const path of PAGES) {
    const anon = await page(stack.base, null, path);
    t.is(anon.status, 303, path);
    t.is(anon.location, `/ingresar?volver=${encodeURIComponent(path)}`);
    for (const c of [ciudadano, mesa, supervisor]) {
      const p = await page(stack.base, c, path);
      t.is(p.status, 403, path);
      t.regex(p.html, /No tiene permiso/);
    }
    t.is((await page(stack.base, admin, path)).status, 200, path);
  }
  const u = code('CS');
  t.is((await postForm(stack.base, mesa, '/admin/unidades', { codigo: u, nombre: 'No debe existir' })).status, 403);
  t.is((await postForm(stack.base, admin, '/admin/unidades', { codigo: u, nombre: 'Sin token' }, false)).status, 403);
  t.is((await postForm(stack.base, ciudadano, '/admin/calendario', { fecha: '2031-05-05', descripcion: 'No debe existir' })).status, 403);
  t.falsy(await stack.db('unidades').where({ codigo: u }).first());
  t.falsy(await stack.db('dias_no_laborables').where({ fecha: '2031-05-05' }).first());
});

test('the index links every admin page, and the header links Administración only for admins', async (t) => {
  const { stack, admin, mesa } = t.context;
  const index = await page(stack.base, admin, '/admin');
  for (const href of ['/admin/unidades', '/admin/personal', '/admin/tipos', '/admin/horario', '/admin/calendario', '/admin/auditoria', '/admin/tokens']) {
    t.true(index.html.includes(`<a href="${href}">`), href);
  }
  t.regex(index.html, /href="\/admin">Administración<\/a>/);
  t.notRegex((await page(stack.base, mesa, '/')).html, /href="\/admin">Administración/);
});

test('offices page: errors beside the field with the values kept, the hierarchy, a refused cycle, deactivation', async (t) => {
  const { stack, admin } = t.context;
  const bad = await postForm(stack.base, admin, '/admin/unidades', { codigo: 'MAL CODIGO', nombre: 'Oficina de <b>Planeamiento</b>', padre: 'GG' });
  t.is(bad.status, 400);
  t.regex(bad.html, /id="f-codigo-error">El código debe tener de 1 a 20 caracteres/);
  t.regex(bad.html, /href="#f-codigo">Ir al campo con el problema/);
  t.regex(bad.html, /id="f-codigo" name="codigo" type="text" value="MAL CODIGO"/);
  t.true(bad.html.includes('value="Oficina de &lt;b&gt;Planeamiento&lt;/b&gt;"'));
  t.regex(bad.html, /<option value="GG" selected>/);

  const opp = code('OPP');
  const created = await postForm(stack.base, admin, '/admin/unidades', { codigo: opp, nombre: 'Oficina de Planeamiento', padre: 'GG' });
  t.is(created.status, 303);
  t.is(created.location, `/admin/unidades?guardada=${opp}`);
  const list = await page(stack.base, admin, created.location!);
  t.regex(list.html, new RegExp(`Se guardó la unidad ${opp}\\.`));
  // Children below their parent, indented one level per ancestor.
  t.regex(list.html, /data-nivel="0">Gerencia General[\s\S]*data-nivel="1">Oficina de Administración[\s\S]*data-nivel="2">Unidad de Recursos Humanos/);
  t.regex(list.html, new RegExp(`data-nivel="1">Oficina de Planeamiento</span>[\\s\\S]*?<code>${opp}</code>[\\s\\S]*?<code>GG</code>`));

  const edit = await page(stack.base, admin, '/admin/unidades/GG');
  t.regex(edit.html, /<form method="post" action="\/admin\/unidades\/GG"/);
  const cycle = await postForm(stack.base, admin, '/admin/unidades/GG', { nombre: 'Gerencia General', padre: 'RRHH' });
  t.is(cycle.status, 422);
  t.regex(cycle.html, /id="f-padre-error">Una unidad no puede depender de sí misma ni de una unidad que depende de ella\./);
  t.regex(cycle.html, /<option value="RRHH" selected>/);
  t.is((await stack.db('unidades').where({ codigo: 'GG' }).first()).padre_codigo, null);

  const renamed = await postForm(stack.base, admin, `/admin/unidades/${opp}`, { nombre: 'Oficina de Planeamiento y Presupuesto', padre: 'OA' });
  t.is(renamed.status, 303);
  t.deepEqual(await stack.db('unidades').where({ codigo: opp }).first('nombre', 'padre_codigo'), { nombre: 'Oficina de Planeamiento y Presupuesto', padre_codigo: 'OA' });

  const mp = await postForm(stack.base, admin, '/admin/unidades/MP/desactivar', {});
  t.is(mp.status, 409);
  t.regex(mp.html, /La Mesa de Partes no se puede desactivar/);
  t.is((await postForm(stack.base, admin, `/admin/unidades/${opp}/desactivar`, {})).status, 303);
  const after = await page(stack.base, admin, '/admin/unidades');
  t.regex(after.html, new RegExp(`action="/admin/unidades/${opp}/activar"`));
  const filing = await page(stack.base, t.context.ciudadano, '/expedientes/nuevo');
  t.false(filing.html.includes(`value="${opp}"`));
  t.true(filing.html.includes('value="OAJ"'));
});

test('document types page: plazo validated with the values kept, saved, deactivated out of the filing form', async (t) => {
  const { stack, admin, ciudadano } = t.context;
  const tipo = code('MEM');
  const bad = await postForm(stack.base, admin, '/admin/tipos', { codigo: tipo, nombre: 'Memorial', plazoAtencionDias: '0' });
  t.is(bad.status, 400);
  t.regex(bad.html, /id="f-plazoAtencionDias-error">El plazo de atención debe ser un número entero de días hábiles entre 1 y 365\./);
  t.regex(bad.html, new RegExp(`id="f-codigo" name="codigo" type="text" value="${tipo}"`));
  t.regex(bad.html, /id="f-nombre" name="nombre" type="text" value="Memorial"/);

  t.is((await postForm(stack.base, admin, '/admin/tipos', { codigo: tipo, nombre: 'Memorial', plazoAtencionDias: '' })).status, 303);
  const list = await page(stack.base, admin, '/admin/tipos');
  t.regex(list.html, new RegExp(`<code>${tipo}</code>[\\s\\S]*?30 días hábiles \\(general\\)`));
  t.is((await postForm(stack.base, admin, `/admin/tipos/${tipo}`, { nombre: 'Memorial', plazoAtencionDias: '10' })).status, 303);
  t.is((await stack.db('tipos_documento').where({ codigo: tipo }).first()).plazo_atencion_dias, 10);
  t.regex((await page(stack.base, admin, '/admin/tipos')).html, new RegExp(`<code>${tipo}</code>[\\s\\S]*?10 días hábiles`));

  t.regex((await page(stack.base, ciudadano, '/expedientes/nuevo')).html, new RegExp(`<option value="${tipo}">Memorial</option>`));
  t.is((await postForm(stack.base, admin, `/admin/tipos/${tipo}/desactivar`, {})).status, 303);
  t.false((await page(stack.base, ciudadano, '/expedientes/nuevo')).html.includes(`value="${tipo}"`));
});

test.serial('hours page: bad hours re-rendered with their message; saved hours change the reception date', async (t) => {
  const { stack, admin } = t.context;
  const recepcion = async () =>
    ((await (await fetch(`${stack.base}/api/v1/calendario/presentacion?en=${encodeURIComponent('2026-12-02T08:00:00-05:00')}`)).json()) as { recepcion: string }).recepcion;
  t.is(await recepcion(), '2026-12-02T08:30:00-05:00');
  const shown = await page(stack.base, admin, '/admin/horario');
  t.regex(shown.html, /id="f-inicio" name="inicio" type="time" value="08:30"/);
  t.regex(shown.html, /id="f-principalMB" name="principalMB" type="number" value="20"/);

  const bad = await postForm(stack.base, admin, '/admin/horario', { inicio: '17:00', fin: '08:00' });
  t.is(bad.status, 400);
  t.regex(bad.html, /id="f-fin-error">La hora de inicio debe ser anterior a la hora de fin\./);
  t.regex(bad.html, /id="f-inicio" name="inicio" type="time" value="17:00"/);
  const badLimit = await postForm(stack.base, admin, '/admin/horario/limites', { principalMB: '500', primerAnexoMB: '30', anexoMB: '5', anexos: '5' });
  t.is(badLimit.status, 400);
  t.regex(badLimit.html, /id="f-principalMB-error">El tamaño máximo del documento principal debe ser un número entero de 1 a 100 MB\./);
  t.regex(badLimit.html, /id="f-principalMB" name="principalMB" type="number" value="500"/);
  t.regex(badLimit.html, /id="f-inicio" name="inicio" type="time" value="08:30"/, 'the other form shows what is in force');

  const saved = await postForm(stack.base, admin, '/admin/horario', { inicio: '07:45', fin: '16:00' });
  t.is(saved.status, 303);
  t.regex((await page(stack.base, admin, saved.location!)).html, /Se guardó el horario de atención\./);
  t.is(await recepcion(), '2026-12-02T08:00:00-05:00');
  t.is((await postForm(stack.base, admin, '/admin/horario', { inicio: '08:30', fin: '16:30' })).status, 303);
  t.is(await recepcion(), '2026-12-02T08:30:00-05:00');
});

test('a non-working day added on the calendar page moves the deadline of a running case', async (t) => {
  const { stack, admin, ciudadano } = t.context;
  const { body } = await fileMultipart(stack.base, ciudadano, { asunto: 'Plazo que se moverá desde la página' });
  const row = () => stack.db('expedientes').where({ numero: body.numero }).first();
  await until(async () => (await row()).vence_en !== null);
  const before = new Date((await row()).vence_en);
  const day = new Date(before.getTime() - 5 * 3600_000).toISOString().slice(0, 10); // its Lima day

  const missing = await postForm(stack.base, admin, '/admin/calendario', { fecha: day, descripcion: '' });
  t.is(missing.status, 400);
  t.regex(missing.html, /id="f-descripcion-error">Descripción debe tener al menos 3 caracteres\./);
  t.regex(missing.html, new RegExp(`id="f-fecha" name="fecha" type="date" value="${day}"`));

  const added = await postForm(stack.base, admin, '/admin/calendario', { fecha: day, descripcion: 'Día no laborable (D.S. <de prueba>)' });
  t.is(added.status, 303);
  t.regex(added.location!, new RegExp(`^/admin/calendario\\?agregado=${day}&recalculados=[1-9]\\d*$`));
  const shown = await page(stack.base, admin, added.location!);
  t.regex(shown.html, new RegExp(`Se registró el ${day} como día no laborable\\. Se recalcularon los plazos de \\d+ expedientes? en curso\\.`));
  t.true(shown.html.includes('Día no laborable (D.S. &lt;de prueba&gt;)'));
  t.regex(shown.html, new RegExp(`action="/admin/calendario/${day}/eliminar"`));

  await until(async () => new Date((await row()).vence_en).getTime() !== before.getTime());
  const after = new Date((await row()).vence_en);
  const expected = (await (await fetch(`${stack.base}/api/v1/calendario/plazo?desde=${encodeURIComponent((await row()).recibido_en.toISOString())}&dias=1`)).json()) as { vence: string };
  t.is(after.toISOString(), new Date(expected.vence).toISOString());
  t.true(after > before);

  const dup = await postForm(stack.base, admin, '/admin/calendario', { fecha: day, descripcion: 'Otra vez' });
  t.is(dup.status, 409);
  t.regex(dup.html, new RegExp(`id="f-fecha-error">El ${day} ya está registrado como día no laborable\\.`));

  const removed = await postForm(stack.base, admin, `/admin/calendario/${day}/eliminar`, {});
  t.is(removed.status, 303);
  await until(async () => new Date((await row()).vence_en).getTime() === before.getTime());
  const audit = await page(stack.base, admin, `/admin/auditoria?entidad=dia_no_laborable&clave=${day}`);
  t.regex(audit.html, /Eliminó · Día no laborable[\s\S]*Creó · Día no laborable/);
});

test('staff edit page changes a role and office; the audit page shows who, before and after', async (t) => {
  const { stack, admin } = t.context;
  const email = `editar.${uid()}@demo.gob.pe`;
  t.is((await postForm(stack.base, admin, '/admin/personal', { email, nombres: 'Pedro', apellidoPaterno: 'Soto', apellidoMaterno: '', rol: 'mesa_partes', unidad: '' })).status, 303);
  const { id } = await stack.db('cuentas').where({ email }).first('id');
  const list = await page(stack.base, admin, '/admin/personal');
  t.true(list.html.includes(`href="/admin/personal/${id}"`));

  const form = await page(stack.base, admin, `/admin/personal/${id}`);
  t.regex(form.html, new RegExp(`<form method="post" action="/admin/personal/${id}"`));
  t.regex(form.html, /<option value="mesa_partes" selected>Mesa de partes<\/option>/);
  const missing = await postForm(stack.base, admin, `/admin/personal/${id}`, { rol: 'unidad', unidad: '' });
  t.is(missing.status, 400);
  t.regex(missing.html, /id="f-unidad-error">Elija la unidad orgánica del personal\./);
  t.regex(missing.html, /<option value="unidad" selected>/);
  const saved = await postForm(stack.base, admin, `/admin/personal/${id}`, { rol: 'unidad', unidad: 'RRHH' });
  t.is(saved.status, 303);
  t.regex((await page(stack.base, admin, saved.location!)).html, /Se actualizaron el rol y la unidad de la cuenta\./);
  t.deepEqual(await stack.db('cuentas').where({ id }).first('rol', 'unidad_codigo'), { rol: 'unidad', unidad_codigo: 'RRHH' });
  t.is((await page(stack.base, admin, '/admin/personal/999999')).status, 404);

  const audit = await page(stack.base, admin, `/admin/auditoria?entidad=cuenta&clave=${id}`);
  t.is(audit.status, 200);
  const text = unescapeHtml(audit.html);
  t.regex(text, /Modificó · Cuenta del personal[\s\S]*Luis Huamán Torres/);
  t.regex(text, /Rol:<\/span> <del><span class="sr-only">antes <\/span>Mesa de partes<\/del> → <ins><span class="sr-only">después <\/span>Personal de unidad orgánica<\/ins>/);
  t.regex(text, /Unidad:<\/span> <del><span class="sr-only">antes <\/span>MP<\/del> → <ins><span class="sr-only">después <\/span>RRHH<\/ins>/);
  t.regex(text, /Creó · Cuenta del personal/);
  const bad = await page(stack.base, admin, '/admin/auditoria?desde=ayer');
  t.is(bad.status, 400);
  t.regex(bad.html, /La fecha inicio debe ser un día válido AAAA-MM-DD\./);
});

// ---------------------------------------------------------------------------------------------
// A real browser: the admin creates an office with the keyboard only.

const shots = process.env.SCREENSHOTS_DIR;

test('in a browser: the admin creates an office using only the keyboard', async (t) => {
  const { stack } = t.context;
  const browser = await puppeteer.launch(launchOptions(required('PUPPETEER_EXECUTABLE_PATH')));
  try {
    const p = await browser.newPage();
    await p.setViewport({ width: 1280, height: 900 });
    await p.goto(`${stack.base}/ingresar?volver=${encodeURIComponent('/admin')}`);
    await p.type('#f-usuario', 'admin@demo.gob.pe');
    await p.type('#f-password', TEST_PASSWORD);
    await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
    await answerCode(p, stack.base, 'admin@demo.gob.pe');
    t.is(new URL(p.url()).pathname, '/admin');
    if (shots) await p.screenshot({ path: join(shots, 'admin-inicio.png') as `${string}.png`, fullPage: true });

    await Promise.all([p.waitForNavigation(), p.click('a[href="/admin/unidades"]')]);
    const ose = code('OSE');
    await p.focus('#f-codigo');
    await p.keyboard.type(ose);
    await p.keyboard.press('Tab');
    t.is(await p.evaluate(() => document.activeElement?.id), 'f-nombre');
    await p.keyboard.type('Oficina de Seguimiento');
    await p.keyboard.press('Tab');
    t.is(await p.evaluate(() => document.activeElement?.id), 'f-padre');
    await p.select('#f-padre', 'OA');
    await p.keyboard.press('Tab');
    await Promise.all([p.waitForNavigation(), p.keyboard.press('Enter')]);
    t.is(new URL(p.url()).search, `?guardada=${ose}`);
    t.regex(await p.$eval('[role="status"]', (e) => e.textContent ?? ''), new RegExp(`Se guardó la unidad ${ose}`));
    await until(async () => !!(await stack.db('unidades').where({ codigo: ose, padre_codigo: 'OA' }).first()));
    if (shots) await p.screenshot({ path: join(shots, 'admin-unidades.png') as `${string}.png`, fullPage: true });

    await p.goto(`${stack.base}/admin/auditoria`);
    t.regex(await p.$eval('table.auditoria', (e) => e.textContent ?? ''), new RegExp(`Creó · Unidad orgánica\\s*${ose}`));
    if (shots) {
      await p.screenshot({ path: join(shots, 'admin-auditoria.png') as `${string}.png`, fullPage: true });
      await p.goto(`${stack.base}/admin/horario`);
      await p.screenshot({ path: join(shots, 'admin-horario.png') as `${string}.png`, fullPage: true });
      await p.goto(`${stack.base}/admin/calendario`);
      await p.screenshot({ path: join(shots, 'admin-calendario.png') as `${string}.png`, fullPage: true });
    }
  } finally {
    await browser.close();
  }
});
