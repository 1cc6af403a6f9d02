/* The portal's own script. The Content-Security-Policy allows no inline script: behaviour that
   htmx attributes cannot express lives here, bound by data attributes, never by on* attributes. */
"use strict";

/* Autosave: a form marked data-autosave gets an "autosave" event when one of its own controls
   changes (hx-trigger="autosave delay:500ms"). A control that only sits inside the form but
   belongs to another one (form="..."; a file input that uploads on its own) does not count. */
document.addEventListener("change", (event) => {
  const control = event.target;
  const form = control.form;
  if (form && form.hasAttribute("data-autosave") && form.contains(control)) {
    form.dispatchEvent(new CustomEvent("autosave"));
  }
});

/* A button marked data-print prints the page. */
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
