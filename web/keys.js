// The list of keyboard shortcuts, a dialog opened with "?" (when not typing
// in a box), Ctrl+/ (anywhere) or the "?" button, and closed with Esc.

const $ = (id) => document.getElementById(id);

/** Whether the key went to a place where "?" is text being typed. */
function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** Opens the shortcuts list. */
export function openKeys() {
  const dialog = $("keys");
  if (!dialog.open) dialog.showModal();
}

/** Wires the shortcuts list; `afterClose` runs when it closes (to give focus back). */
export function setupKeys(afterClose) {
  const dialog = $("keys");
  document.addEventListener("keydown", (ev) => {
    if (dialog.open) return;
    const slash = ev.key === "/" && (ev.ctrlKey || ev.metaKey);
    if (slash || (ev.key === "?" && !ev.ctrlKey && !ev.altKey && !ev.metaKey && !typing(ev.target))) {
      ev.preventDefault();
      openKeys();
    }
  });
  $("keys-toggle").addEventListener("click", openKeys);
  $("keys-close").addEventListener("click", () => dialog.close());
  // A click on the backdrop (outside the box) closes it too.
  dialog.addEventListener("click", (ev) => {
    if (ev.target === dialog) dialog.close();
  });
  dialog.addEventListener("close", afterClose);
}
