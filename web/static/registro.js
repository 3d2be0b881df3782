// Registration form, progressive enhancement: show only the fieldset of the chosen tipo de
// persona. Without JavaScript both stay visible and the server reads `tipoPersona`.
(function () {
  var form = document.getElementById('form-registro');
  if (!form) return;
  var radios = form.querySelectorAll('input[name="tipoPersona"]');
  var groups = form.querySelectorAll('fieldset[data-persona]');
  function update() {
    var chosen = form.querySelector('input[name="tipoPersona"]:checked');
    var tipo = chosen ? chosen.value : 'NATURAL';
    for (var i = 0; i < groups.length; i++) {
      var on = groups[i].getAttribute('data-persona') === tipo;
      groups[i].hidden = !on;
      // A disabled fieldset is not submitted, so the hidden section sends nothing.
      groups[i].disabled = !on;
    }
  }
  var notes = form.querySelectorAll('.js-ocultar');
  for (var j = 0; j < notes.length; j++) notes[j].hidden = true;
  for (var k = 0; k < radios.length; k++) radios[k].addEventListener('change', update);
  update();
})();
