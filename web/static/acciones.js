// Action forms of the expediente page. Forms with files (atender, subsanar, actualizar) are sent
// with XMLHttpRequest to the JSON API (`data-api`), carrying the X-CSRF-Token header a multipart
// body cannot deliver to the CSRF check, with a progress bar; on success the page reloads with
// the success note (?ok=<accion>), on error the message shows in the form and the field named by
// the API gets the focus. Every form's button is disabled while it is being sent.
(function () {
  'use strict';
  var MB = 1024 * 1024;
  var forms = document.querySelectorAll('form.accion-form');

  function limpiar(form) {
    var alerta = form.querySelector('.form-alerta');
    if (alerta) { alerta.hidden = true; alerta.textContent = ''; }
    var viejos = form.querySelectorAll('.js-error');
    for (var i = 0; i < viejos.length; i++) viejos[i].parentNode.removeChild(viejos[i]);
    var campos = form.querySelectorAll('[aria-invalid="true"]');
    for (var j = 0; j < campos.length; j++) campos[j].removeAttribute('aria-invalid');
  }

  function mostrarError(form, mensaje, campo) {
    limpiar(form);
    var alerta = form.querySelector('.form-alerta');
    var p = document.createElement('p');
    p.textContent = mensaje;
    alerta.appendChild(p);
    alerta.hidden = false;
    var input = campo ? form.querySelector('[name="' + String(campo).replace(/["\\]/g, '') + '"]') : null;
    if (input && input.type !== 'hidden') {
      input.setAttribute('aria-invalid', 'true');
      var e = document.createElement('p');
      e.className = 'field-error js-error';
      e.textContent = mensaje;
      input.parentNode.appendChild(e);
      input.focus();
    } else {
      alerta.focus();
    }
  }

  function enviarConArchivos(form, boton) {
    var accion = form.getAttribute('data-accion');
    var api = form.getAttribute('data-api');
    var numero = /\/expedientes\/([^/]+)\//.exec(api)[1];
    var csrf = form.querySelector('input[name="_csrf"]').value;
    var datos = new FormData(form);
    datos.delete('_csrf');
    if (accion === 'actualizar') {
      // Send only what changed, so the seguimiento says what was really updated.
      var cambios = 0;
      var campos = form.querySelectorAll('input[type="text"], input[type="number"], textarea');
      for (var i = 0; i < campos.length; i++) {
        if (campos[i].value === campos[i].defaultValue) datos.delete(campos[i].name);
        else cambios++;
      }
      var archivos = form.querySelector('input[type="file"]');
      if (!cambios && !(archivos && archivos.files.length)) {
        boton.disabled = false;
        mostrarError(form, 'No hay cambios que guardar: modifique algún dato o agregue documentos.');
        return;
      }
    }
    var progreso = form.querySelector('.envio');
    if (!progreso) {
      progreso = document.createElement('div');
      progreso.className = 'envio';
      progreso.innerHTML = '<progress max="100" value="0"></progress><p class="muted" aria-live="polite"></p>';
      boton.parentNode.insertBefore(progreso, boton);
    }
    var barra = progreso.querySelector('progress');
    var texto = progreso.querySelector('p');
    progreso.hidden = false;
    var x = new XMLHttpRequest();
    x.open('POST', api);
    x.setRequestHeader('Accept', 'application/json');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      var pct = Math.min(100, Math.floor((e.loaded * 100) / e.total));
      barra.value = pct;
      texto.textContent = pct + ' % — ' + (e.loaded / MB).toFixed(1) + ' de ' + (e.total / MB).toFixed(1) + ' MB';
    };
    var terminar = function () {
      boton.disabled = false;
      progreso.hidden = true;
    };
    x.onload = function () {
      var r = null;
      try { r = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if (x.status === 200) {
        // A subsanación has its own cargo: the page that shows it, as after filing.
        if (r && typeof r.cargoUrl === 'string' && /^\/api\/v1\/expedientes\/[^?#]+\/cargo\.pdf$/.test(r.cargoUrl)) {
          location.assign(r.cargoUrl.replace(/^\/api\/v1/, '').replace(/\/cargo\.pdf$/, '') + '?nuevo=1');
          return;
        }
        location.assign('/expedientes/' + numero + '?ok=' + encodeURIComponent(accion));
        return;
      }
      terminar();
      var err = r && r.error ? r.error : null;
      mostrarError(form, err ? err.message : 'No se pudo completar la acción (error ' + x.status + '). Intente nuevamente.', err && err.campo);
    };
    x.onerror = function () {
      terminar();
      mostrarError(form, 'Se interrumpió la conexión. Revise su conexión a internet e intente nuevamente.');
    };
    x.send(datos);
  }

  for (var i = 0; i < forms.length; i++) {
    forms[i].addEventListener('submit', function (ev) {
      var form = ev.currentTarget;
      var boton = form.querySelector('button[type="submit"]');
      if (boton.disabled) { ev.preventDefault(); return; }
      if (form.getAttribute('data-api') && window.XMLHttpRequest && window.FormData) {
        ev.preventDefault();
        limpiar(form);
        boton.disabled = true;
        enviarConArchivos(form, boton);
      } else {
        // A plain form post: just avoid sending it twice.
        setTimeout(function () { boton.disabled = true; }, 0);
      }
    });
  }
  // Back/forward cache: buttons usable again.
  window.addEventListener('pageshow', function (ev) {
    if (!ev.persisted) return;
    var bs = document.querySelectorAll('form.accion-form button[type="submit"]');
    for (var j = 0; j < bs.length; j++) bs[j].disabled = false;
  });
})();
