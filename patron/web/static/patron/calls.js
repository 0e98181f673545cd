/* The call list, worked from the keyboard: 1–5 outcome, N note, X next step, Enter save and
   go to the next lead, J/K move, ? help. The page carries its leads as JSON and one panel the
   script fills for the current lead; saving posts to a JSON endpoint; the next page of leads
   is fetched in the background before the list runs out. */
(function () {
  "use strict";

  var PREFETCH_WHEN_LEFT = 5;

  function csrfToken(root) {
    var input = root.querySelector("[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function setText(panel, name, value) {
    var node = panel.querySelector('[data-field="' + name + '"]');
    if (node) node.textContent = value == null ? "" : String(value);
    return node;
  }

  function fillList(list, items) {
    list.textContent = "";
    items.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
    list.hidden = items.length === 0;
  }

  function CallList(root) {
    this.root = root;
    this.rows = root.querySelector("[data-call-rows]");
    this.panel = root.querySelector("[data-call-panel]");
    this.form = this.panel.querySelector("[data-call-form]");
    this.error = root.querySelector("[data-call-error]");
    this.nextCursor = root.getAttribute("data-next-cursor") || "";
    this.leads = {};
    this.loading = null;
    this.saving = false;
    this.current = null;
    this.addLeads(JSON.parse(document.getElementById("call-leads").textContent));
  }

  CallList.prototype.addLeads = function (leads) {
    var self = this;
    leads.forEach(function (lead) { self.leads[String(lead.id)] = lead; });
  };

  CallList.prototype.rowList = function () {
    return Array.prototype.slice.call(this.rows.querySelectorAll("[data-call-row]"));
  };

  CallList.prototype.lead = function () {
    return this.current ? this.leads[this.current.getAttribute("data-lead-id")] : null;
  };

  CallList.prototype.renderHistory = function (lead) {
    var history = this.panel.querySelector("[data-call-history]");
    history.textContent = "";
    if (!lead.calls.length) {
      var empty = document.createElement("li");
      empty.className = "muted";
      empty.setAttribute("data-no-calls", "");
      empty.textContent = history.getAttribute("data-empty");
      history.appendChild(empty);
      return;
    }
    lead.calls.forEach(function (call) {
      var item = document.createElement("li");
      item.className = "call-item";
      item.setAttribute("data-call-item", "");
      item.setAttribute("data-outcome", call.outcome);
      var badge = document.createElement("span");
      badge.className = "badge badge-neutral";
      badge.textContent = call.label;
      var meta = document.createElement("span");
      meta.className = "muted";
      meta.textContent = " " + call.when + " · " + call.user;
      item.appendChild(badge);
      item.appendChild(meta);
      if (call.note) {
        var note = document.createElement("div");
        note.className = "call-note";
        note.textContent = call.note;
        item.appendChild(note);
      }
      if (call.next_step) {
        var next = document.createElement("div");
        next.className = "cell-sub";
        next.textContent = history.getAttribute("data-next-label") + ": " + call.next_step +
          (call.next_step_on ? " · " + call.next_step_on : "");
        item.appendChild(next);
      }
      history.appendChild(item);
    });
  };

  CallList.prototype.fill = function (lead) {
    var panel = this.panel;
    panel.setAttribute("data-lead-id", lead.id);
    setText(panel, "company", lead.company || "—");
    setText(panel, "contact", lead.contact || "—");
    setText(panel, "title", lead.title ? "· " + lead.title : "");
    setText(panel, "score", lead.score);
    setText(panel, "version", lead.version);
    setText(panel, "email", lead.email || "—");
    setText(panel, "industry", lead.industry || "—");
    setText(panel, "region", lead.region || "—");
    panel.querySelector('[data-field="star"]').hidden = !lead.starred;
    var phone = setText(panel, "phone", lead.phone || "—");
    if (lead.phone) phone.setAttribute("href", "tel:" + lead.phone); else phone.removeAttribute("href");
    fillList(panel.querySelector('[data-list="breakdown"]'), lead.in_target ? lead.breakdown : []);
    fillList(panel.querySelector('[data-list="out_reasons"]'), lead.in_target ? [] : lead.out_reasons);
    this.form.reset();
    this.form.setAttribute("action", lead.log_url);
    this.renderHistory(lead);
  };

  CallList.prototype.select = function (row) {
    if (!row) return;
    if (this.current) {
      this.current.classList.remove("is-current");
      this.current.removeAttribute("aria-current");
    }
    this.current = row;
    row.classList.add("is-current");
    row.setAttribute("aria-current", "true");
    this.fill(this.lead());
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
    this.loading = fetch(url.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        self.addLeads(data.leads);
        self.rows.insertAdjacentHTML("beforeend", data.rows_html);
        self.nextCursor = data.next_cursor || "";
        self.bindRows();
      })
      .finally(function () { self.loading = null; });
    return this.loading;
  };

  CallList.prototype.chooseOutcome = function (key) {
    var radio = this.form.querySelector('input[name=outcome][data-key="' + key + '"]');
    if (radio) { radio.checked = true; this.hideError(); }
  };

  CallList.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = false;
  };

  CallList.prototype.hideError = function () { this.error.hidden = true; };

  CallList.prototype.save = function () {
    var lead = this.lead();
    if (!lead || this.saving) return;
    if (!this.form.querySelector("input[name=outcome]:checked")) {
      this.showError(this.root.getAttribute("data-error-outcome"));
      return;
    }
    var self = this;
    var row = this.current;
    this.saving = true;
    fetch(lead.log_url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(this.root), "Accept": "application/json" },
      body: new FormData(this.form)
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.ok) {
          self.showError(self.root.getAttribute("data-error-save") + " " + data.message);
          return;
        }
        lead.calls.unshift(data.call);
        row.classList.add("is-called");
        var today = document.querySelector("[data-calls-today]");
        if (today) today.textContent = String(parseInt(today.textContent, 10) + 1);
        if (document.activeElement) document.activeElement.blur();
        self.move(1);
        if (self.current === row) self.fill(lead);  // the last lead: stay, show the call
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
  };

  CallList.prototype.onKey = function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    var typing = tag === "TEXTAREA" || tag === "INPUT" || tag === "SELECT";
    if (typing) {
      if (!this.panel.contains(target)) return;  // the filter form keeps its keys
      if (event.key === "Escape") { target.blur(); event.preventDefault(); }
      else if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); this.save(); }
      return;
    }
    var key = event.key;
    if (key >= "1" && key <= "5") { this.chooseOutcome(key); }
    else if (key === "n" || key === "N") { this.panel.querySelector("[data-note]").focus(); }
    else if (key === "x" || key === "X") { this.panel.querySelector("[data-next-step]").focus(); }
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
    var opener = document.querySelector("[data-help-open]");
    if (opener) opener.addEventListener("click", toggleHelp);
    var root = document.querySelector("[data-calls]");
    if (!root || !root.querySelector("[data-call-rows]")) return;
    var list = new CallList(root);
    list.form.addEventListener("submit", function (event) { event.preventDefault(); list.save(); });
    list.bindRows();
    list.select(list.rowList()[0]);
    document.addEventListener("keydown", function (event) { list.onKey(event); });
    root.setAttribute("data-ready", "true");
  });
})();
