// Incident form: sub-types follow the event type, a chosen place fills its coordinates,
// and the sharing preview lists exactly who will receive the record. Works without it.
(function () {
  "use strict";
  var form = document.querySelector(".incident-form");
  if (!form) return;
  var eventSel = form.querySelector("#f-event_type");
  var subSel = form.querySelector("#f-sub_type");
  var definition = document.getElementById("sub-definition");
  var precision = form.querySelector("#f-time_precision");

  function filterSubTypes() {
    var ev = eventSel.value;
    subSel.querySelectorAll("optgroup").forEach(function (group) {
      var show = !ev || group.dataset.event === ev;
      group.hidden = !show;
      group.disabled = !show;
    });
    var chosen = subSel.selectedOptions[0];
    if (chosen && chosen.dataset.event && ev && chosen.dataset.event !== ev) subSel.value = "";
    describe();
  }
  function describe() {
    var chosen = subSel.selectedOptions[0];
    definition.textContent = chosen && chosen.value ? chosen.title : "";
  }
  eventSel.addEventListener("change", filterSubTypes);
  subSel.addEventListener("change", function () {
    var chosen = subSel.selectedOptions[0];
    if (chosen && chosen.dataset.event && !eventSel.value) {
      eventSel.value = chosen.dataset.event;
      filterSubTypes();
    }
    if (chosen && chosen.dataset.precision && !precision.value) precision.value = chosen.dataset.precision;
    describe();
  });
  filterSubTypes();

  var place = form.querySelector("#f-location_ref");
  place.addEventListener("change", function () {
    var opt = place.selectedOptions[0];
    if (!opt || !opt.value) return;
    var fill = { "#f-latitude": opt.dataset.lat, "#f-longitude": opt.dataset.lon, "#f-country": opt.dataset.country };
    Object.keys(fill).forEach(function (sel) {
      var input = form.querySelector(sel);
      if (input && !input.value && fill[sel] && fill[sel] !== "None") input.value = fill[sel];
    });
  });

  // The gazetteer finder: any spelling, ranked, each result explained in its title.
  var finder = document.getElementById("f-place-search");
  var results = document.getElementById("place-results");
  var timer = null;
  function choose(place) {
    var set = { "#f-latitude": place.lat, "#f-longitude": place.lon, "#f-country": place.country,
                "#f-place_name": place.name, "#f-admin1": place.admin1 || "" };
    Object.keys(set).forEach(function (sel) { form.querySelector(sel).value = set[sel]; });
    results.replaceChildren();
    finder.value = place.name;
  }
  function search() {
    var q = finder.value.trim();
    if (q.length < 2) { results.replaceChildren(); return; }
    fetch("/geo/lookup?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (places) {
        results.replaceChildren();
        places.forEach(function (place) {
          var li = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "link";
          button.textContent = place.name + " — " + (place.admin1 ? place.admin1 + ", " : "") + place.country_name;
          button.title = place.why;
          button.dataset.id = place.id;
          button.addEventListener("click", function () { choose(place); });
          li.appendChild(button);
          results.appendChild(li);
        });
      });
  }
  if (finder) {
    finder.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
    finder.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
  }

  var list = document.getElementById("preview-list");
  var none = document.getElementById("preview-none");
  var originator = list.firstElementChild.cloneNode(true);
  function preview() {
    list.replaceChildren(originator.cloneNode(true));
    var count = 0;
    form.querySelectorAll("input[name=release_to]").forEach(function (box) {
      if (!box.checked) return;
      var li = document.createElement("li");
      li.textContent = box.dataset.name;
      list.appendChild(li);
      count += 1;
    });
    none.hidden = count > 0;
  }
  form.querySelectorAll("input[name=release_to]").forEach(function (box) {
    box.addEventListener("change", preview);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
