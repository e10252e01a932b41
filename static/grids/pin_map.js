// The map pin of the report forms: a small map where a tap or a drag of the pin fills the
// latitude and longitude fields (WGS-84, six decimals). "Use my location" (locate.js) moves
// the pin to the phone's position, and so does opening the page when the phone already
// allows it. Without JavaScript or Leaflet the map stays hidden and the form works by
// building or grid.
(function () {
  "use strict";
  var box = document.querySelector("[data-pin-map]");
  if (!box || !window.L || !window.HiveMap) {
    return;
  }
  var latitude = document.getElementById(box.dataset.latitude);
  var longitude = document.getElementById(box.dataset.longitude);
  if (!latitude || !longitude) {
    return;
  }
  box.hidden = false;
  var help = document.querySelector("[data-pin-help]");
  if (help) {
    help.hidden = false;
  }
  var map = HiveMap.base(box, { tap: true });
  var bounds = L.latLngBounds([]);
  var outlinesScript = document.getElementById(box.dataset.outlines);
  var outlines = outlinesScript ? JSON.parse(outlinesScript.textContent) : [];
  outlines.forEach(function (outline) {
    var geometry = outline.boundary;
    if (geometry && geometry.type === "Feature") {
      geometry = geometry.geometry;
    }
    if (!geometry || (geometry.type !== "Polygon" && geometry.type !== "MultiPolygon")) {
      return;
    }
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    var latLngs = polygons.map(function (rings) {
      return rings.map(function (ring) {
        return ring.map(function (p) {
          return HiveMap.toTiles(p[1], p[0]);
        });
      });
    });
    var layer = L.polygon(latLngs, {
      color: "#0d6efd",
      weight: 1,
      fillOpacity: 0.05,
      interactive: false,
    }).addTo(map);
    layer.bindTooltip(outline.name, { direction: "center", className: "hive-map-label" });
    bounds.extend(layer.getBounds());
  });

  var marker = null;

  function show(lat, lng) {
    var onTiles = HiveMap.toTiles(lat, lng);
    if (!marker) {
      marker = L.marker(onTiles, { draggable: true, autoPan: true, keyboard: true }).addTo(map);
      marker.on("dragend", function () {
        var at = marker.getLatLng();
        store(HiveMap.fromTiles(at.lat, at.lng));
      });
    } else {
      marker.setLatLng(onTiles);
    }
    return onTiles;
  }

  function store(point) {
    latitude.value = point[0].toFixed(6);
    longitude.value = point[1].toFixed(6);
  }

  function fromFields() {
    var lat = parseFloat(latitude.value);
    var lng = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180) {
      return [lat, lng];
    }
    return null;
  }

  var start = fromFields();
  if (start) {
    map.setView(show(start[0], start[1]), 17);
  } else if (bounds.isValid()) {
    map.fitBounds(bounds, { padding: [10, 10] });
  } else {
    map.setView([35, 105], 4);
  }

  map.on("click", function (event) {
    var stored = HiveMap.fromTiles(event.latlng.lat, event.latlng.lng);
    show(stored[0], stored[1]);
    store(stored);
  });

  function located(lat, lng) {
    map.setView(show(lat, lng), 17);
    store([lat, lng]);
  }

  document.addEventListener("hive:located", function (event) {
    located(event.detail.latitude, event.detail.longitude);
  });

  [latitude, longitude].forEach(function (field) {
    field.addEventListener("change", function () {
      var point = fromFields();
      if (point) {
        map.setView(show(point[0], point[1]), Math.max(map.getZoom(), 16));
      }
    });
  });

  // The phone's position by default, when the page may already read it (no prompt).
  if (!start && navigator.permissions && navigator.geolocation) {
    navigator.permissions
      .query({ name: "geolocation" })
      .then(function (status) {
        if (status.state === "granted") {
          navigator.geolocation.getCurrentPosition(
            function (position) {
              if (!fromFields()) {
                located(position.coords.latitude, position.coords.longitude);
              }
            },
            function () {},
            { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
          );
        }
      })
      .catch(function () {});
  }
})();
