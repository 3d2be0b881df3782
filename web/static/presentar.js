// Filing form, progressive enhancement. Without JavaScript the browser posts the multipart form
// to /expedientes/nuevo. With it:
// - "Si lo envía ahora" is refreshed from GET /api/v1/calendario/presentacion every minute;
// - folios are suggested from the page count of the chosen PDFs (when the browser can read it);
// - the form has novalidate: required fields, formats and sizes are checked before uploading
//   anything, and every problem is shown at once, beside its field and in the summary, as the
//   server shows them (no browser tooltips);
// - the form is sent with XMLHttpRequest to POST /api/v1/expedientes, with a progress bar, the
//   X-CSRF-Token header and an Idempotency-Key kept for the life of the page, so a double click
//   or a retry after a dropped connection returns the same expediente;
// - on 201 the tracking password is kept in sessionStorage (never in a URL) for the cargo page.
(function () {
  'use strict';
  var form = document.getElementById('form-presentar');
  if (!form || !window.XMLHttpRequest || !window.FormData) return;

  var MB = 1024 * 1024;
  var DIAS = ['domingo', 'lunes', 'martes', 'miércoles', 'jueves', 'viernes', 'sábado'];
  var $ = function (id) { return document.getElementById(id); };
  var alerta = $('form-alerta');
  var boton = $('btn-enviar');
  var envio = $('envio');
  var barra = $('envio-progreso');
  var texto = $('envio-texto');
  var principal = $('f-principal');
  var anexos = $('f-anexos');
  var folios = $('f-folios');
  var foliosAuto = $('f-folios-auto');
  var claveCampo = $('f-idempotencyKey');
  var csrf = form.querySelector('input[name="_csrf"]').value;
  var limites = {
    principal: Number(form.getAttribute('data-limite-principal')),
    primerAnexo: Number(form.getAttribute('data-limite-primer-anexo')),
    anexo: Number(form.getAttribute('data-limite-anexo')),
    anexos: Number(form.getAttribute('data-max-anexos'))
  };

  function nuevaClave() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  // One key per form load (the server renders one; a page restored from the back/forward cache
  // is a new filing and gets a new key).
  if (!claveCampo.value) claveCampo.value = nuevaClave();
  window.addEventListener('pageshow', function (ev) {
    if (ev.persisted) {
      claveCampo.value = nuevaClave();
      terminar();
    }
  });

  // ---------- "Si lo envía ahora" ----------
  function dia(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s || '');
    if (!m) return s;
    var d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDay();
    return DIAS[d] + ' ' + m[3] + '/' + m[2] + '/' + m[1];
  }
  function instante(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(s || '');
    return m ? m[3] + '/' + m[2] + '/' + m[1] + ' ' + m[4] + ':' + m[5] : s;
  }
  function actualizarAhora() {
    var x = new XMLHttpRequest();
    x.open('GET', '/api/v1/calendario/presentacion?en=' + encodeURIComponent(new Date().toISOString()));
    x.setRequestHeader('Accept', 'application/json');
    x.onload = function () {
      if (x.status !== 200) return;
      try {
        var r = JSON.parse(x.responseText);
        $('ahora-presentacion').textContent = dia(r.presentacion);
        $('ahora-recepcion').textContent = instante(r.recepcion);
      } catch (e) { /* keep what the server rendered */ }
    };
    x.send();
  }
  actualizarAhora();
  setInterval(actualizarAhora, 60 * 1000);

  // ---------- folios from the PDFs' page counts ----------
  function latin1(bytes) {
    var out = '';
    for (var i = 0; i < bytes.length; i += 32768) out += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
    return out;
  }
  function maxCount(txt) {
    var max = 0;
    var res = [/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)/g, /\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g];
    for (var k = 0; k < res.length; k++) {
      var m;
      while ((m = res[k].exec(txt))) max = Math.max(max, Number(m[1]));
    }
    return max;
  }
  function inflate(bytes) {
    var ds = new DecompressionStream('deflate');
    return new Response(new Blob([bytes]).stream().pipeThrough(ds)).arrayBuffer().then(function (b) { return latin1(new Uint8Array(b)); });
  }
  /** Pages of a PDF, or null when this browser cannot tell (the server counts them anyway). */
  function paginas(file) {
    if (!file || file.size > 100 * MB || !file.arrayBuffer) return Promise.resolve(null);
    return file.arrayBuffer().then(function (buf) {
      var bytes = new Uint8Array(buf);
      var txt = latin1(bytes);
      if (txt.slice(0, 1024).indexOf('%PDF-') < 0) return null;
      var n = maxCount(txt);
      if (n || typeof DecompressionStream === 'undefined') return n || null;
      // Compressed object streams (PDF 1.5+) hold the page tree: inflate them and look again.
      var tareas = [];
      var re = /\/Type\s*\/ObjStm\b/g;
      var m;
      while ((m = re.exec(txt)) && tareas.length < 200) {
        var s = txt.indexOf('stream', m.index);
        if (s < 0) break;
        var dict = txt.slice(Math.max(0, txt.lastIndexOf('<<', m.index)), s);
        if (!/\/FlateDecode/.test(dict)) continue;
        var start = s + 6;
        if (txt.charAt(start) === '\r') start++;
        if (txt.charAt(start) === '\n') start++;
        var len = /\/Length\s+(\d+)(?!\s+\d+\s+R)/.exec(dict);
        var end = len ? start + Number(len[1]) : txt.indexOf('endstream', start);
        if (end < start) continue;
        tareas.push(inflate(bytes.subarray(start, end)).then(maxCount, function () { return 0; }));
      }
      return Promise.all(tareas).then(function (ns) {
        var best = Math.max.apply(null, [0].concat(ns));
        return best || null;
      });
    }).catch(function () { return null; });
  }
  var esPdf = function (f) { return f.type === 'application/pdf' || /\.pdf$/i.test(f.name); };
  folios.addEventListener('input', function () { folios.setAttribute('data-manual', folios.value ? '1' : ''); });
  var ronda = 0;
  function sugerirFolios() {
    var mia = ++ronda;
    var archivos = [];
    if (principal.files[0]) archivos.push(principal.files[0]);
    for (var i = 0; i < anexos.files.length; i++) if (esPdf(anexos.files[i])) archivos.push(anexos.files[i]);
    if (!archivos.length) { foliosAuto.textContent = ''; return; }
    Promise.all(archivos.map(paginas)).then(function (ns) {
      if (mia !== ronda) return;
      if (ns[0] == null) { foliosAuto.textContent = ''; return; }
      var total = ns.reduce(function (a, n) { return a + (n || 0); }, 0);
      if (!folios.getAttribute('data-manual')) folios.value = String(total);
      foliosAuto.textContent = 'Los PDF elegidos tienen ' + total + (total === 1 ? ' página' : ' páginas') + '. Corrija el número si sus documentos tienen otra cantidad de hojas.';
    });
  }
  principal.addEventListener('change', function () { limpiarCampo(principal); sugerirFolios(); });
  anexos.addEventListener('change', function () { limpiarCampo(anexos); sugerirFolios(); });

  // ---------- errors: all of them at once, beside each field and listed in the summary ----------
  var NUMERO = /^0*\d{1,5}\s*[-\u2010-\u2015\/]\s*\d{4}$/;
  function limpiar() {
    alerta.hidden = true;
    alerta.textContent = '';
    var resumen = $('resumen');
    if (resumen) resumen.hidden = true;
    var viejos = form.querySelectorAll('.field-error');
    for (var i = 0; i < viejos.length; i++) viejos[i].parentNode.removeChild(viejos[i]);
    var campos = form.querySelectorAll('[aria-invalid="true"]');
    for (var j = 0; j < campos.length; j++) {
      campos[j].removeAttribute('aria-invalid');
      var ayuda = (campos[j].getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && !/-error$/.test(id); }).join(' ');
      if (ayuda) campos[j].setAttribute('aria-describedby', ayuda);
      else campos[j].removeAttribute('aria-describedby');
    }
    var cajas = form.querySelectorAll('.has-error');
    for (var k = 0; k < cajas.length; k++) cajas[k].classList.remove('has-error');
  }
  /** A field the person just changed loses its message (the summary stays until the next submit). */
  function limpiarCampo(input) {
    var caja = input.closest('.field, .check');
    var e = $(input.id + '-error');
    if (e) e.parentNode.removeChild(e);
    if (caja) caja.classList.remove('has-error');
    input.removeAttribute('aria-invalid');
    var ayuda = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (id) { return id && id !== input.id + '-error'; }).join(' ');
    if (ayuda) input.setAttribute('aria-describedby', ayuda);
    else input.removeAttribute('aria-describedby');
  }
  function campoDe(nombre) {
    var input = nombre ? form.querySelector('[name="' + String(nombre).replace(/["\\]/g, '') + '"]') : null;
    return input && input.type !== 'hidden' ? input : null;
  }
  /** problemas: [{ mensaje, campo? }]; shown in the order of the form's fields. */
  function mostrarErrores(problemas) {
    limpiar();
    var lista = problemas.map(function (p, i) { return { mensaje: p.mensaje, input: campoDe(p.campo), i: i }; });
    lista.sort(function (a, b) {
      if (!a.input || !b.input) return (a.input ? 1 : 0) - (b.input ? 1 : 0) || a.i - b.i;
      if (a.input === b.input) return a.i - b.i;
      return a.input.compareDocumentPosition(b.input) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1;
    });
    var cabecera = document.createElement('p');
    alerta.appendChild(cabecera);
    var ul = document.createElement('ul');
    ul.className = 'resumen-problemas';
    var marcados = [];
    lista.forEach(function (p) {
      var input = p.input;
      if (input && marcados.indexOf(input) < 0) {
        marcados.push(input);
        var caja = input.closest('.field, .check');
        if (caja) {
          caja.classList.add('has-error');
          var e = document.createElement('p');
          e.className = 'field-error';
          e.id = input.id + '-error';
          e.textContent = p.mensaje;
          caja.appendChild(e);
          input.setAttribute('aria-describedby', ((input.getAttribute('aria-describedby') || '') + ' ' + e.id).trim());
        }
        input.setAttribute('aria-invalid', 'true');
      }
      var li = document.createElement('li');
      if (input) {
        var a = document.createElement('a');
        a.href = '#' + input.id;
        a.textContent = p.mensaje;
        li.appendChild(a);
      } else {
        li.textContent = p.mensaje;
      }
      ul.appendChild(li);
    });
    if (lista.length === 1) {
      cabecera.textContent = lista[0].mensaje;
    } else {
      cabecera.textContent = 'Revise ' + lista.length + ' datos del formulario:';
      alerta.appendChild(ul);
    }
    alerta.hidden = false;
    // One problem: straight to its field; several: to the summary that lists them.
    if (lista.length === 1 && lista[0].input) lista[0].input.focus();
    else alerta.focus();
  }
  var mostrarError = function (mensaje, campo) { mostrarErrores([{ mensaje: mensaje, campo: campo }]); };
  /** What the browser can tell before sending anything (the server checks all of it again). */
  function revisar() {
    var problemas = [];
    var falta = function (campo, mensaje) { problemas.push({ campo: campo, mensaje: mensaje }); };
    if (!form.elements.tipoDocumento.value) falta('tipoDocumento', 'Elija el tipo de documento.');
    var asunto = form.elements.asunto.value.trim();
    if (!asunto) falta('asunto', 'Ingrese el asunto.');
    else if (asunto.length < 3) falta('asunto', 'El asunto debe tener al menos 3 caracteres.');
    var antecedente = form.elements.antecedente.value.trim();
    if (antecedente && !NUMERO.test(antecedente)) falta('antecedente', 'El antecedente debe ser un número de expediente como 00123-2026.');
    var f = principal.files[0];
    if (!f) falta('principal', 'Adjunte el documento principal en PDF.');
    else if (!esPdf(f)) falta('principal', 'El documento principal debe ser un PDF.');
    else if (f.size > limites.principal) falta('principal', 'El documento principal «' + f.name + '» supera el máximo de ' + limites.principal / MB + ' MB.');
    if (anexos.files.length > limites.anexos) falta('anexos', 'Puede adjuntar hasta ' + limites.anexos + ' anexos.');
    else {
      for (var i = 0; i < anexos.files.length; i++) {
        var max = i === 0 ? limites.primerAnexo : limites.anexo;
        if (anexos.files[i].size > max) { falta('anexos', 'El anexo «' + anexos.files[i].name + '» supera el máximo de ' + max / MB + ' MB.'); break; }
      }
    }
    var n = folios.value.trim();
    if (n && !/^\d+$/.test(n)) falta('folios', 'Los folios deben ser un número entero.');
    else if (n && Number(n) < 1) falta('folios', 'Los folios deben ser al menos 1.');
    else if (n && Number(n) > 100000) falta('folios', 'Los folios no pueden ser más de 100 000.');
    if (!form.elements.aceptaPrivacidad.checked) falta('aceptaPrivacidad', 'Debe aceptar la política de privacidad.');
    return problemas;
  }

  // ---------- sending ----------
  var enviando = false;
  var textoBoton = boton.textContent;
  function avisoSalida(ev) { ev.preventDefault(); ev.returnValue = ''; }
  function terminar() {
    enviando = false;
    boton.disabled = false;
    boton.textContent = textoBoton;
    envio.hidden = true;
    window.removeEventListener('beforeunload', avisoSalida);
  }
  var mb = function (n) { return (n / MB).toFixed(1); };

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    if (enviando) return;
    var problemas = revisar();
    if (problemas.length) return mostrarErrores(problemas);
    limpiar();
    var datos = new FormData(form);
    datos.delete('_csrf');
    datos.delete('idempotencyKey');
    var x = new XMLHttpRequest();
    x.open('POST', '/api/v1/expedientes');
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.setRequestHeader('Idempotency-Key', claveCampo.value);
    x.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.min(100, Math.floor((e.loaded * 100) / e.total));
      barra.value = pct;
      barra.textContent = pct + ' %';
      texto.textContent = pct + ' % — ' + mb(e.loaded) + ' de ' + mb(e.total) + ' MB';
    };
    x.upload.onload = function () {
      barra.value = 100;
      texto.textContent = 'Archivos enviados. Registrando su expediente…';
    };
    x.onload = function () {
      var r = null;
      try { r = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if ((x.status === 201 || x.status === 200) && r && r.numero) {
        try { if (r.claveSeguimiento) sessionStorage.setItem('mpv:clave:' + r.numero, r.claveSeguimiento); } catch (e) { /* private mode */ }
        window.removeEventListener('beforeunload', avisoSalida);
        texto.textContent = 'Expediente ' + r.numero + ' registrado.';
        location.assign('/expedientes/' + encodeURIComponent(r.numero) + '/cargo?nuevo=1');
        return;
      }
      terminar();
      var err = r && r.error ? r.error : null;
      if (err && err.campos && err.campos.length) {
        mostrarErrores(err.campos.map(function (c) { return { mensaje: c.message, campo: c.campo }; }));
      } else {
        mostrarError(err ? err.message : 'No se pudo enviar su documento (error ' + x.status + '). Intente nuevamente.', err && err.campo);
      }
    };
    x.onerror = x.ontimeout = function () {
      terminar();
      mostrarError('Se interrumpió la conexión. Revise su conexión a internet y vuelva a enviar: si su documento ya había llegado, no se registrará dos veces.');
    };
    enviando = true;
    boton.disabled = true;
    boton.textContent = 'Enviando…';
    barra.value = 0;
    texto.textContent = '';
    envio.hidden = false;
    window.addEventListener('beforeunload', avisoSalida);
    x.send(datos);
  });
})();
