/* The call list, worked from the keyboard: 1–5 outcome, N note, X next step, Enter save and
   go to the next lead, J/K move, ? help. Saving posts to a JSON endpoint; the next page of
   leads is fetched in the background before the list runs out. */
(function () {
  "use strict";

  var PREFETCH_WHEN_LEFT = 5;

  function csrfToken() {
    var input = document.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function CallList(root) {
    this.root = root;
    this.rows = root.querySelector("[data-call-rows]");
    this.panels = root.querySelector("[data-call-panels]");
    this.error = root.querySelector("[data-call-error]");
    this.nextCursor = root.getAttribute("data-next-cursor") || "";
    this.loading = null;
    this.saving = false;
    this.current = null;
  }

  CallList.prototype.rowList = function () {
    return Array.prototype.slice.call(this.rows.querySelectorAll("[data-call-row]"));
  };

  CallList.prototype.panelOf = function (leadId) {
    return this.panels.querySelector('[data-call-panel][data-lead-id="' + leadId + '"]');
  };

  CallList.prototype.select = function (row) {
    if (!row) return;
    if (this.current) {
      this.current.classList.remove("is-current");
      this.current.removeAttribute("aria-current");
      var old = this.panelOf(this.current.getAttribute("data-lead-id"));
      if (old) old.hidden = true;
    }
    this.current = row;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    var panel = this.panelOf(row.getAttribute("data-lead-id"));
    if (panel) panel.hidden = false;
    row.scrollIntoView({ block: "nearest" });
    this.hideError();
    var rows = this.rowList();
    if (rows.length - rows.indexOf(row) <= PREFETCH_WHEN_LEFT) this.loadMore();
  };

  CallList.prototype.move = function (step) {
    var rows = this.rowList();
    var index = rows.indexOf(this.current) + step;
    var self = this;
    if (index >= 0 && index < rows.length) {
      this.select(rows[index]);
    } else if (step > 0 && this.nextCursor) {
      this.loadMore().then(function () { self.move(step); });
    }
  };

  CallList.prototype.loadMore = function () {
    if (this.loading) return this.loading;
    if (!this.nextCursor) return Promise.resolve();
    var self = this;
    var url = new URL(this.root.getAttribute("data-more-url"), window.location.href);
    url.searchParams.set("after", this.nextCursor);
    url.searchParams.set("partial", "1");
    this.loading = fetch(url.toString(), { credentials: "same-origin" })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var rows = doc.querySelector("template[data-rows]");
        var panels = doc.querySelector("template[data-panels]");
        var next = doc.querySelector("template[data-next]");
        if (rows) self.rows.appendChild(document.importNode(rows.content, true));
        if (panels) self.panels.appendChild(document.importNode(panels.content, true));
        self.nextCursor = next ? next.getAttribute("data-next-cursor") || "" : "";
        self.bindRows();
      })
      .finally(function () { self.loading = null; });
    return this.loading;
  };

  CallList.prototype.currentPanel = function () {
    return this.current ? this.panelOf(this.current.getAttribute("data-lead-id")) : null;
  };

  CallList.prototype.chooseOutcome = function (key) {
    var panel = this.currentPanel();
    if (!panel) return;
    var radio = panel.querySelector('input[name=outcome][data-key="' + key + '"]');
    if (radio) { radio.checked = true; this.hideError(); }
  };

  CallList.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = false;
  };

  CallList.prototype.hideError = function () { this.error.hidden = true; };

  CallList.prototype.save = function () {
    var panel = this.currentPanel();
    if (!panel || this.saving) return;
    var form = panel.querySelector("[data-call-form]");
    if (!form.querySelector("input[name=outcome]:checked")) {
      this.showError(this.root.getAttribute("data-error-outcome"));
      return;
    }
    var self = this;
    var row = this.current;
    this.saving = true;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: new FormData(form)
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.ok) {
          self.showError(self.root.getAttribute("data-error-save") + " " + data.message);
          return;
        }
        var history = panel.querySelector("[data-call-history]");
        var empty = history.querySelector("[data-no-calls]");
        if (empty) empty.remove();
        history.insertAdjacentHTML("afterbegin", data.call_html);
        form.reset();
        row.classList.add("is-called");
        var today = document.querySelector("[data-calls-today]");
        if (today) today.textContent = String(parseInt(today.textContent, 10) + 1);
        if (document.activeElement) document.activeElement.blur();
        self.move(1);
      })
      .catch(function () { self.showError(self.root.getAttribute("data-error-save")); })
      .finally(function () { self.saving = false; });
  };

  CallList.prototype.bindRows = function () {
    var self = this;
    this.rowList().forEach(function (row) {
      if (row.hasAttribute("data-bound")) return;
      row.setAttribute("data-bound", "");
      row.addEventListener("click", function () { self.select(row); });
    });
    this.panels.querySelectorAll("[data-call-form]:not([data-bound])").forEach(function (form) {
      form.setAttribute("data-bound", "");
      form.addEventListener("submit", function (event) { event.preventDefault(); self.save(); });
    });
  };

  CallList.prototype.onKey = function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.tagName === "TEXTAREA" || target.tagName === "INPUT" || target.tagName === "SELECT");
    var inPanel = typing && target.closest && target.closest("[data-call-panel]");
    if (typing) {
      if (!inPanel) return;  // the filter form keeps its keys
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      else if (event.key === "Enter" && !event.shiftKey && target.type !== "radio") { event.preventDefault(); this.save(); }
      return;
    }
    var panel = this.currentPanel();
    var key = event.key;
    if (key >= "1" && key <= "5") { this.chooseOutcome(key); }
    else if (key === "n" || key === "N") { if (panel) panel.querySelector("[data-note]").focus(); }
    else if (key === "x" || key === "X") { if (panel) panel.querySelector("[data-next-step]").focus(); }
    else if (key === "Enter") { this.save(); }
    else if (key === "j" || key === "J" || key === "ArrowDown") { this.move(1); }
    else if (key === "k" || key === "K" || key === "ArrowUp") { this.move(-1); }
    else if (key === "?") { toggleHelp(); }
    else { return; }
    event.preventDefault();
  };

  function toggleHelp() {
    var help = document.querySelector("[data-help]");
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.querySelector("[data-calls]");
    var opener = document.querySelector("[data-help-open]");
    if (opener) opener.addEventListener("click", toggleHelp);
    if (!root || !root.querySelector("[data-call-rows]")) return;
    var list = new CallList(root);
    list.bindRows();
    list.select(list.rowList()[0]);
    document.addEventListener("keydown", function (event) { list.onKey(event); });
    root.setAttribute("data-ready", "true");
  });
})();
