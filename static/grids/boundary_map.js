// The grid boundary widget of the admin (grids.admin.BoundaryWidget): draw or edit the
// grid's polygon on the map (Leaflet-Geoman); the widget writes WGS-84 GeoJSON into the
// boundary textarea, which stays the field that is saved (and usable without JavaScript).
// The community's other grids are drawn faintly for reference.
(function () {
  "use strict";
  if (!window.L || !window.HiveMap) {
    return;
  }

  function parse(text) {
    try {
      var value = JSON.parse(text);
      if (value && value.type === "Feature") {
        value = value.geometry;
      }
      return value && (value.type === "Polygon" || value.type === "MultiPolygon") ? value : null;
    } catch (error) {
      return null;
    }
  }

  function toLatLngs(geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    return polygons.map(function (rings) {
      return rings.map(function (ring) {
        return ring.slice(0, -1).map(function (position) {
          return HiveMap.toTiles(position[1], position[0]);
        });
      });
    });
  }

  function round(n) {
    return Math.round(n * 1e6) / 1e6;
  }

  HiveMap.ready(function () {
  document.querySelectorAll("[data-boundary-map]").forEach(function (box) {
    var textarea = document.getElementById(box.dataset.for);
    var othersScript = document.getElementById(box.dataset.others);
    var others = othersScript ? JSON.parse(othersScript.textContent) : [];
    box.hidden = false;
    var canvas = box.querySelector(".hive-map");
    var map = HiveMap.base(canvas);
    var own = L.featureGroup().addTo(map);
    var bounds = L.latLngBounds([]);

    var outlines = [];
    others.forEach(function (other) {
      var geometry = parse(JSON.stringify(other.boundary));
      if (!geometry) {
        return;
      }
      var layer = L.polygon(toLatLngs(geometry), {
        color: "#6c757d",
        weight: 1,
        dashArray: "4 4",
        fillOpacity: 0.06,
        interactive: false,
        pmIgnore: true,
      });
      outlines.push([layer, other.name]);
      bounds.extend(layer.getBounds());
    });
    function draw() {
      own.clearLayers();
      var geometry = parse(textarea.value);
      if (geometry) {
        var layer = L.polygon(toLatLngs(geometry), { color: "#b02a37" });
        own.addLayer(layer);
        watch(layer);
        return layer.getBounds();
      }
      return null;
    }

    function write() {
      var polygons = [];
      own.eachLayer(function (layer) {
        var geometry = layer.toGeoJSON().geometry;
        var parts = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
        parts.forEach(function (rings) {
          polygons.push(
            rings.map(function (ring) {
              return ring.map(function (position) {
                var stored = HiveMap.fromTiles(position[1], position[0]);
                return [round(stored[1]), round(stored[0])];
              });
            })
          );
        });
      });
      if (!polygons.length) {
        textarea.value = "";
      } else if (polygons.length === 1) {
        textarea.value = JSON.stringify({ type: "Polygon", coordinates: polygons[0] });
      } else {
        textarea.value = JSON.stringify({ type: "MultiPolygon", coordinates: polygons });
      }
      // What the map writes is WGS-84 whatever the tiles use.
      var datum = document.getElementById(box.dataset.datum);
      if (datum) {
        datum.value = "wgs84";
      }
    }

    function watch(layer) {
      layer.on("pm:edit pm:dragend pm:rotateend", write);
    }

    var drawn = draw();
    if (drawn) {
      bounds.extend(drawn);
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [20, 20] });
    } else {
      var center = (box.dataset.center || "35,105").split(",").map(Number);
      map.setView(center, Number(box.dataset.zoom || 4));
    }
    // Labels once the map has a view (a permanent tooltip needs one).
    outlines.forEach(function (pair) {
      pair[0].addTo(map).bindTooltip(pair[1], { permanent: true, direction: "center", className: "hive-map-label" });
    });

    if (map.pm) {
      var lang = (document.documentElement.lang || "en").slice(0, 2);
      try {
        map.pm.setLang(lang === "zh" ? "zh" : "en");
      } catch (error) {
        // Geoman without this language: its English labels stay.
      }
      map.pm.setGlobalOptions({ layerGroup: own, snappable: true, allowSelfIntersection: false });
      map.pm.addControls({
        position: "topleft",
        drawMarker: false,
        drawCircleMarker: false,
        drawPolyline: false,
        drawCircle: false,
        drawText: false,
        cutPolygon: false,
        rotateMode: false,
      });
      // Geoman's buttons carry their name on the container's title only: name the buttons.
      box.querySelectorAll(".button-container[title] > .leaflet-buttons-control-button").forEach(
        function (button) {
          button.setAttribute("aria-label", button.parentElement.getAttribute("title"));
        }
      );
      map.on("pm:create", function (event) {
        watch(event.layer);
        write();
      });
      map.on("pm:remove", write);
    }
    textarea.addEventListener("change", function () {
      var redrawn = draw();
      if (redrawn) {
        map.fitBounds(redrawn, { padding: [20, 20] });
      }
    });
  });
});
})();
