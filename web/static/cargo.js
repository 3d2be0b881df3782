// Cargo page: shows the tracking password that presentar.js kept in sessionStorage right after
// filing (it never travels in a URL). Without it, the page says where to find the password.
(function () {
  'use strict';
  var caja = document.getElementById('clave');
  if (!caja) return;
  var clave = null;
  try { clave = sessionStorage.getItem('mpv:clave:' + caja.getAttribute('data-numero')); } catch (e) { /* storage blocked */ }
  if (!clave) return;
  document.getElementById('clave-valor').textContent = clave;
  document.getElementById('clave-mostrada').hidden = false;
  document.getElementById('clave-donde').textContent = 'Anótela: también figura en el cargo PDF y en el correo que le enviamos.';
})();
