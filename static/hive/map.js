// Shared map helpers (window.HiveMap): the tile settings of {% map_settings_json %}, a base
// map (tiles when a URL is set, else a plain background; always a scale bar), and the
// WGS-84 ⇄ GCJ-02 shift for tiles in GCJ-02. Hive stores WGS-84.
(function () {
  "use strict";
  var A = 6378245.0;
  var EE = 0.00669342162296594323;

  function outside(lat, lng) {
    return !(lng >= 72.004 && lng <= 137.8347 && lat >= 0.8293 && lat <= 55.8271);
  }
  function shiftLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2) / 3;
    r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2) / 3;
    r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2) / 3;
    return r;
  }
  function shiftLng(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2) / 3;
    r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2) / 3;
    r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2) / 3;
    return r;
  }
  function toGcj(lat, lng) {
    if (outside(lat, lng)) {
      return [lat, lng];
    }
    var dLat = shiftLat(lng - 105.0, lat - 35.0);
    var dLng = shiftLng(lng - 105.0, lat - 35.0);
    var rad = (lat / 180.0) * Math.PI;
    var magic = 1 - EE * Math.sin(rad) * Math.sin(rad);
    var sqrtMagic = Math.sqrt(magic);
    dLat = (dLat * 180.0) / (((A * (1 - EE)) / (magic * sqrtMagic)) * Math.PI);
    dLng = (dLng * 180.0) / ((A / sqrtMagic) * Math.cos(rad) * Math.PI);
    return [lat + dLat, lng + dLng];
  }
  function fromGcj(lat, lng) {
    var wLat = lat;
    var wLng = lng;
    for (var i = 0; i < 10; i++) {
      var g = toGcj(wLat, wLng);
      wLat -= g[0] - lat;
      wLng -= g[1] - lng;
    }
    return [wLat, wLng];
  }

  function settings() {
    var el = document.getElementById("hive-map-settings");
    return el ? JSON.parse(el.textContent) : {};
  }

  // Read when first needed: the admin loads this script in the page's head, before the
  // settings' json_script.
  var cached = null;
  function current() {
    if (!cached) {
      cached = settings();
    }
    return cached;
  }
  function gcj() {
    return current().datum === "gcj02";
  }

  window.HiveMap = {
    settings: current,
    // Stored (WGS-84) → what the tiles show, and back.
    toTiles: function (lat, lng) {
      return gcj() ? toGcj(lat, lng) : [lat, lng];
    },
    fromTiles: function (lat, lng) {
      return gcj() ? fromGcj(lat, lng) : [lat, lng];
    },
    // Run fn once the page is parsed (scripts in the head run before it).
    ready: function (fn) {
      if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", fn);
      } else {
        fn();
      }
    },
    base: function (element, options) {
      var tiles = current();
      var map = L.map(element, Object.assign({ scrollWheelZoom: false }, options || {}));
      if (tiles.url) {
        L.tileLayer(tiles.url, {
          attribution: tiles.attribution || "",
          subdomains: tiles.subdomains || "abc",
          maxZoom: tiles.maxZoom || 18,
        }).addTo(map);
      } else {
        element.classList.add("hive-map-plain");
      }
      L.control.scale({ imperial: false }).addTo(map);
      return map;
    },
  };
})();
