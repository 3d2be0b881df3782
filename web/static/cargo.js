// Cargo page: shows the tracking password that presentar.js kept in sessionStorage right after
// filing (it never travels in a URL), then moves the focus to the confirmation message so a
// screen reader announces it first. Without the password, the page says where to find it.
(function () {
  'use strict';
  var caja = document.getElementById('clave');
  var clave = null;
  if (caja) {
    try { clave = sessionStorage.getItem('mpv:clave:' + caja.getAttribute('data-numero')); } catch (e) { /* storage blocked */ }
  }
  if (clave) {
    document.getElementById('clave-valor').textContent = clave;
    document.getElementById('clave-mostrada').hidden = false;
    document.getElementById('clave-donde').textContent = 'Anótela: también figura en el cargo PDF y en el correo que le enviamos.';
  }
  var confirmacion = document.querySelector('[data-enfocar]');
  if (confirmacion) confirmacion.focus();
})();
