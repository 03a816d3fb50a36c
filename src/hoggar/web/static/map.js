// Incident map with no tile server: packaged borders and towns, clustered markers,
// a heat layer and a time slider over the incidents the server chose for this reader.
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L) return;
  var lang = el.dataset.lang;
  var map = L.map(el, { zoomSnap: 0.5, minZoom: 3, maxZoom: 12, preferCanvas: true, attributionControl: true }).setView([18, 5], 4.5);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth · GeoNames");
  var COLORS = {
    battle: "#b2182b", explosion_remote_violence: "#ef8a62", violence_against_civilians: "#762a83",
    riot: "#e08214", protest: "#5aae61", strategic_development: "#2166ac"
  };
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
      .then(function (r) { if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); });
  }
  function nameOf(props) {
    return props["name_" + lang] || props.name_en || props.name;
  }
  get(el.dataset.borders).then(function (geo) {
    L.geoJSON(geo, {
      style: function (f) {
        return { color: "#4d4d4d", weight: 1, fillColor: f.properties.member ? "#f4efe1" : "#e3e3e3", fillOpacity: 1 };
      },
      onEachFeature: function (f, layer) { layer.bindTooltip(nameOf(f.properties), { sticky: true }); }
    }).addTo(map).bringToBack();
  });
  var towns = L.layerGroup();
  get(el.dataset.towns).then(function (geo) {
    geo.features.forEach(function (f) {
      var c = f.geometry.coordinates;
      var label = (lang === "ar" && f.properties.name_ar) || f.properties.name;
      var big = (f.properties.population || 0) >= 900000;
      L.circleMarker([c[1], c[0]], { radius: big ? 3 : 2, color: "#333", weight: 1, fillOpacity: 0.8, interactive: false })
        .bindTooltip(label, { permanent: big, direction: "right", className: "town-label", offset: [4, 0] })
        .addTo(towns);
    });
    if (document.getElementById("show-towns").checked) towns.addTo(map);
  });
  var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false });
  var heat = L.heatLayer ? L.heatLayer([], { radius: 18, blur: 15, maxZoom: 8 }) : null;
  var features = [], months = [];
  var slider = document.getElementById("time-slider");
  var label = document.getElementById("time-label");
  var only = document.getElementById("only-month");
  var counter = document.getElementById("map-count");
  var total = 0;
  function monthOf(iso) { return iso ? iso.slice(0, 7) : ""; }
  function popup(p) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = "/incidents/" + encodeURIComponent(p.id);
    title.textContent = p.name || p.id;
    title.dir = "auto";
    var meta = document.createElement("div");
    meta.textContent = p.label + " · " + p.day + " · " + p.originator +
      (p.killed ? " · " + el.dataset.killed + ": " + p.killed : "");
    box.append(title, meta);
    return box;
  }
  function redraw() {
    var upto = months[+slider.value] || "";
    label.textContent = upto;
    clusters.clearLayers();
    var points = [], shown = 0;
    features.forEach(function (f) {
      var m = monthOf(f.properties.start);
      if (upto && (only.checked ? m !== upto : m > upto)) return;
      var c = f.geometry.coordinates;
      var marker = L.circleMarker([c[1], c[0]], {
        radius: 6, color: "#fff", weight: 1, fillOpacity: 0.9,
        fillColor: COLORS[f.properties.event_type] || "#555"
      });
      marker.bindPopup(function () { return popup(f.properties); });
      marker.feature = f;
      clusters.addLayer(marker);
      points.push([c[1], c[0], 1 + Math.min(f.properties.killed || 0, 20) / 5]);
      shown += 1;
    });
    if (heat) heat.setLatLngs(points);
    counter.textContent = el.dataset.shown.replace("{shown}", shown).replace("{total}", total);
    el.dataset.shownCount = String(shown);
  }
  get(el.dataset.source).then(function (geo) {
    features = geo.features;
    total = geo.total;
    var set = {};
    features.forEach(function (f) { var m = monthOf(f.properties.start); if (m) set[m] = true; });
    months = Object.keys(set).sort();
    slider.max = String(Math.max(0, months.length - 1));
    slider.value = slider.max;
    slider.disabled = months.length < 2;
    redraw();
    map.addLayer(clusters);
    if (features.length === 1) {
      var only1 = features[0].geometry.coordinates;
      map.setView([only1[1], only1[0]], 6, { animate: false });
    } else if (features.length) {
      var bounds = L.latLngBounds(features.map(function (f) { var c = f.geometry.coordinates; return [c[1], c[0]]; }));
      map.fitBounds(bounds.pad(0.2), { maxZoom: 7, animate: false });
    }
    el.dataset.ready = "1";
  }).catch(function (err) { counter.textContent = String(err); el.dataset.ready = "error"; });
  slider.addEventListener("input", redraw);
  only.addEventListener("change", redraw);
  document.getElementById("show-clusters").addEventListener("change", function (e) {
    if (e.target.checked) map.addLayer(clusters); else map.removeLayer(clusters);
  });
  document.getElementById("show-heat").addEventListener("change", function (e) {
    if (!heat) return;
    if (e.target.checked) map.addLayer(heat); else map.removeLayer(heat);
  });
  document.getElementById("show-towns").addEventListener("change", function (e) {
    if (e.target.checked) towns.addTo(map); else map.removeLayer(towns);
  });
})();
