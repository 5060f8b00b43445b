/*
 * Sign-up page: preselect the time zone the browser reports, when it is one of
 * the choices and the person has not picked one yet. Without JavaScript the
 * select simply keeps its server default (UTC).
 */
(function () {
  "use strict";

  var select = document.getElementById("id_time_zone");
  if (!select || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  // A form shown again after a submission carries the person's own choice.
  var form = select.form;
  if (form && form.hasAttribute("data-bound")) {
    return;
  }
  // Only replace the server's default, never something chosen already.
  var current = select.options[select.selectedIndex];
  if (current && !current.defaultSelected) {
    return;
  }

  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone) {
    return;
  }
  for (var i = 0; i < select.options.length; i += 1) {
    if (select.options[i].value === zone) {
      select.value = zone;
      return;
    }
  }
})();
