// The map (一张图): one script for the staff map (admin), a grid member's "my grid" map and
// the dashboard's heat layer. Each [data-hive-map] element says which (data-hive-map =
// "staff" | "grid" | "heat") and where its data comes from (data-*-url, the api/map/
// endpoints); the filters come from the json_script "hive-map-query", the tiles from
// "hive-map-settings" (no tile URL: a plain background). Points are WGS-84; a GCJ-02 tile
// server (datum "gcj02") gets them shifted for display, and viewports shifted back.
(function () {
  "use strict";

  function readJSON(id, fallback) {
    var node = document.getElementById(id);
    if (!node) {
      return fallback;
    }
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return fallback;
    }
  }

  // Stored WGS-84 <-> the tiles' datum: window.HiveMap (static/hive/map.js) holds the
  // shift, for every map page.
  function Projection() {
    // WGS-84 [lng, lat] -> the tiles' LatLng.
    this.show = function (lng, lat) {
      var p = window.HiveMap.toTiles(lat, lng);
      return L.latLng(p[0], p[1]);
    };
    // The tiles' LatLng -> WGS-84 [lng, lat].
    this.back = function (latlng) {
      var p = window.HiveMap.fromTiles(latlng.lat, latlng.lng);
      return [p[1], p[0]];
    };
    this.coordsToLatLng = function (coords) {
      return this.show(coords[0], coords[1]);
    }.bind(this);
  }

  // --- The map and its background -------------------------------------------------------
  function makeMap(element, settings) {
    return window.HiveMap.base(element, {
      scrollWheelZoom: true,
      maxZoom: settings.maxZoom || 18,
      preferCanvas: true,
    });
  }

  function fitTo(map, bounds, projection) {
    if (bounds && bounds.length === 4) {
      map.fitBounds(
        L.latLngBounds(projection.show(bounds[0], bounds[1]), projection.show(bounds[2], bounds[3])),
        { padding: [16, 16] }
      );
    } else {
      map.setView([37.87, 112.55], 12);
    }
  }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      if (params[key] !== undefined && params[key] !== null && params[key] !== "") {
        parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(params[key]));
      }
    });
    return parts.join("&");
  }

  function getJSON(url, params, signal) {
    var sep = url.indexOf("?") === -1 ? "?" : "&";
    return fetch(url + sep + query(params), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
      signal: signal,
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    });
  }

  function viewport(map, projection) {
    var b = map.getBounds();
    var sw = projection.back(b.getSouthWest());
    var ne = projection.back(b.getNorthEast());
    var clamp = function (v, lo, hi) {
      return Math.max(lo, Math.min(hi, v));
    };
    return [
      clamp(sw[0], -180, 180).toFixed(6),
      clamp(sw[1], -90, 90).toFixed(6),
      clamp(ne[0], -180, 180).toFixed(6),
      clamp(ne[1], -90, 90).toFixed(6),
    ].join(",");
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () {
      clearTimeout(timer);
      timer = setTimeout(fn, ms);
    };
  }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text) {
      node.textContent = text;
    }
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, attrs[key]);
    });
    return node;
  }

  // A popup: a title line, detail lines, and a link to the object's page.
  function popup(title, lines, url, linkText) {
    var box = el("div", "", { class: "map-popup" });
    box.appendChild(el("strong", title));
    (lines || []).forEach(function (line) {
      if (line) {
        box.appendChild(el("div", line));
      }
    });
    if (url) {
      box.appendChild(el("a", linkText, { href: url }));
    }
    return box;
  }

  function gridStyle(feature) {
    var p = feature.properties;
    var colour = p.overdue > 0 ? "#c0392b" : p.open > 0 ? "#e67e22" : "#2e86c1";
    return { color: colour, weight: 2, fillColor: colour, fillOpacity: 0.15 };
  }

  var CATEGORY_COLOURS = {
    dispute: "#8e44ad",
    hidden_danger: "#d35400",
    sign: "#16a085",
    loophole: "#2c3e50",
    demand: "#2980b9",
    event: "#7f8c8d",
  };

  function incidentMarker(feature, latlng) {
    var p = feature.properties;
    var open = ["reported", "accepted", "assigned", "in_progress", "resolved", "verified"].indexOf(p.status) !== -1;
    return L.circleMarker(latlng, {
      radius: 7,
      color: p.overdue ? "#c0392b" : "#ffffff",
      weight: p.overdue ? 3 : 1.5,
      fillColor: CATEGORY_COLOURS[p.category] || "#555",
      fillOpacity: open ? 0.9 : 0.35,
    });
  }

  function clusterMarker(feature, latlng, text) {
    var p = feature.properties;
    var size = Math.round(28 + Math.min(28, Math.log(p.count + 1) * 4));
    var label = p.count > 9999 ? Math.round(p.count / 1000) + "k" : String(p.count);
    var icon = L.divIcon({
      className: "map-cluster" + (p.overdue > 0 ? " map-cluster-overdue" : ""),
      html: "<span>" + label + "</span>",
      iconSize: [size, size],
    });
    return L.marker(latlng, { icon: icon, title: p.count + " " + text, keyboard: true });
  }

  // --- The staff map ---------------------------------------------------------------------
  function staffMap(element, settings, projection) {
    var d = element.dataset;
    var filters = readJSON("hive-map-query", {}) || {};
    var map = makeMap(element, settings, projection);
    fitTo(map, readJSON("hive-map-bounds", null), projection);
    var status = document.querySelector("[data-map-status]");
    var say = function (text) {
      if (status) {
        status.textContent = text || "";
      }
    };
    var layers = {
      grids: L.geoJSON(null, {
        coordsToLatLng: projection.coordsToLatLng,
        style: gridStyle,
        onEachFeature: function (feature, layer) {
          var p = feature.properties;
          layer.bindPopup(
            popup(
              p.code + " " + p.name,
              [p.community, p.open + " " + d.openText + " · " + p.overdue + " " + d.overdueText],
              p.url,
              d.moreText
            )
          );
        },
      }),
      incidents: L.layerGroup(),
      sweeps: L.layerGroup(),
      wishes: L.layerGroup(),
      units: L.layerGroup(),
      buildings: L.layerGroup(),
    };
    var points = L.markerClusterGroup
      ? L.markerClusterGroup({
          disableClusteringAtZoom: 18,
          maxClusterRadius: 40,
          // The same badge as the server's clusters (the legend explains one).
          iconCreateFunction: function (group) {
            var n = group.getChildCount();
            var size = Math.round(28 + Math.min(28, Math.log(n + 1) * 4));
            return L.divIcon({ className: "map-cluster", html: "<span>" + n + "</span>", iconSize: [size, size] });
          },
        })
      : L.layerGroup();
    var clusters = L.layerGroup();
    layers.incidents.addLayer(points).addLayer(clusters);

    var toggles = document.querySelectorAll("[data-map-layers] input[name=layer]");
    function wanted(name) {
      for (var i = 0; i < toggles.length; i++) {
        if (toggles[i].value === name) {
          return toggles[i].checked;
        }
      }
      return false;
    }

    var controllers = {};
    function load(name, url, params, draw) {
      if (controllers[name]) {
        controllers[name].abort();
      }
      var controller = window.AbortController ? new AbortController() : null;
      controllers[name] = controller;
      return getJSON(url, params, controller && controller.signal)
        .then(draw)
        .catch(function (error) {
          if (!error || error.name !== "AbortError") {
            say(d.errorText);
          }
        });
    }

    function pointLayer(feature, style, title, lines) {
      var c = feature.geometry.coordinates;
      var marker = L.circleMarker(projection.show(c[0], c[1]), style);
      marker.bindPopup(popup(title, lines, feature.properties.url, d.moreText));
      return marker;
    }

    var drawers = {
      grids: function () {
        load("grids", d.gridsUrl, { community: filters.community, category: filters.category }, function (data) {
          layers.grids.clearLayers();
          layers.grids.addData(data);
        });
      },
      incidents: function () {
        var params = Object.assign({}, filters, { bbox: viewport(map, projection), zoom: map.getZoom() });
        load("incidents", d.incidentsUrl, params, function (data) {
          points.clearLayers();
          clusters.clearLayers();
          var markers = [];
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var latlng = projection.show(c[0], c[1]);
            var p = feature.properties;
            if (p.cluster) {
              var marker = clusterMarker(feature, latlng, d.clusterText);
              marker.on("click", function () {
                map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
              });
              clusters.addLayer(marker);
            } else {
              var dot = incidentMarker(feature, latlng);
              dot.bindPopup(
                popup(
                  "#" + p.id + " " + p.category_label,
                  [p.status_label + (p.overdue ? " · " + d.overdueText : ""), p.created],
                  p.url,
                  d.moreText
                )
              );
              markers.push(dot);
            }
          });
          if (points.addLayers) {
            points.addLayers(markers);
          } else {
            markers.forEach(function (m) {
              points.addLayer(m);
            });
          }
          say(data.truncated ? d.truncatedText : "");
        });
      },
      sweeps: function () {
        load("sweeps", d.sweepsUrl, { community: filters.community }, function (data) {
          layers.sweeps.clearLayers();
          data.features.forEach(function (f) {
            var p = f.properties;
            var colour = p.result === "finding" ? "#c0392b" : p.result === "passed" ? "#27ae60" : "#95a5a6";
            layers.sweeps.addLayer(
              pointLayer(f, { radius: 6, color: "#333", weight: 1, fillColor: colour, fillOpacity: 0.9 }, p.name, [
                p.kind_label,
                p.result_label ? d.checkedText + ": " + p.result_label + " " + p.checked : "",
              ])
            );
          });
        });
      },
      wishes: function () {
        load("wishes", d.wishesUrl, { community: filters.community }, function (data) {
          layers.wishes.clearLayers();
          data.features.forEach(function (f) {
            var p = f.properties;
            layers.wishes.addLayer(
              pointLayer(f, { radius: 10, color: "#a93226", weight: 2, fillColor: "#f5b7b1", fillOpacity: 0.9 }, p.community, [
                p.count + " " + d.wishesText,
              ])
            );
          });
        });
      },
      units: function () {
        load("units", d.unitsUrl, { community: filters.community }, function (data) {
          layers.units.clearLayers();
          data.features.forEach(function (f) {
            var p = f.properties;
            layers.units.addLayer(
              pointLayer(f, { radius: 6, color: "#1a5276", weight: 2, fillColor: "#aed6f1", fillOpacity: 0.9 }, p.name, [p.kind_label])
            );
          });
        });
      },
      buildings: function () {
        load("buildings", d.buildingsUrl, { community: filters.community }, function (data) {
          layers.buildings.clearLayers();
          data.features.forEach(function (f) {
            var p = f.properties;
            layers.buildings.addLayer(
              pointLayer(f, { radius: 4, color: "#555", weight: 1, fillColor: "#ddd", fillOpacity: 1 }, p.name, [p.grid])
            );
          });
        });
      },
    };

    var loaded = {};
    function refresh(name) {
      if (!wanted(name)) {
        map.removeLayer(layers[name]);
        return;
      }
      layers[name].addTo(map);
      // Only the incidents follow the viewport; the other layers are few and load once.
      if (name === "incidents" || !loaded[name]) {
        loaded[name] = true;
        drawers[name]();
      }
    }
    Array.prototype.forEach.call(toggles, function (toggle) {
      toggle.addEventListener("change", function () {
        refresh(toggle.value);
      });
    });
    Object.keys(layers).forEach(refresh);
    map.on(
      "moveend",
      debounce(function () {
        if (wanted("incidents")) {
          drawers.incidents();
        }
      }, 250)
    );
  }

  // --- A grid member's map ----------------------------------------------------------------
  function gridMap(element, settings, projection) {
    var d = element.dataset;
    var map = makeMap(element, settings, projection);
    fitTo(map, readJSON("hive-map-bounds", null), projection);
    var status = document.querySelector("[data-map-status]");
    var say = function (text) {
      if (status) {
        status.textContent = text || "";
      }
    };
    var grids = L.geoJSON(null, { coordsToLatLng: projection.coordsToLatLng, style: gridStyle }).addTo(map);
    getJSON(d.gridsUrl, {})
      .then(function (data) {
        grids.addData(data);
      })
      .catch(function () {
        say(d.errorText);
      });
    var dots = L.layerGroup().addTo(map);
    function incidents() {
      var zoom = Math.max(map.getZoom(), 16);
      var b = viewport(map, projection).split(",").map(Number);
      var span = 0.5;
      if (b[2] - b[0] > span || b[3] - b[1] > span) {
        var c = map.getCenter();
        var w = projection.back(c);
        b = [w[0] - 0.2, w[1] - 0.2, w[0] + 0.2, w[1] + 0.2];
      }
      getJSON(d.incidentsUrl, { status: "open", period: "all", zoom: zoom, bbox: b.map(function (v) { return v.toFixed(6); }).join(",") })
        .then(function (data) {
          dots.clearLayers();
          data.features.forEach(function (feature) {
            var c = feature.geometry.coordinates;
            var p = feature.properties;
            var latlng = projection.show(c[0], c[1]);
            if (p.cluster) {
              // More open incidents here than the map shows one by one: counted together.
              var marker = clusterMarker(feature, latlng, d.clusterText || "");
              marker.on("click", function () {
                map.setView(latlng, Math.min(map.getZoom() + 2, map.getMaxZoom()));
              });
              dots.addLayer(marker);
              return;
            }
            var dot = incidentMarker(feature, latlng);
            dot.bindPopup(popup("#" + p.id + " " + p.category_label, [p.status_label, p.created], p.url, d.moreText));
            dots.addLayer(dot);
          });
        })
        .catch(function () {
          say(d.errorText);
        });
    }
    incidents();
    map.on("moveend", debounce(incidents, 250));

    var button = document.querySelector("[data-map-locate]");
    var me = null;
    if (button) {
      if (!("geolocation" in navigator)) {
        button.hidden = true;
      } else {
        button.hidden = false;
        button.addEventListener("click", function () {
          button.disabled = true;
          say(d.locatingText);
          navigator.geolocation.getCurrentPosition(
            function (position) {
              button.disabled = false;
              say("");
              var here = projection.show(position.coords.longitude, position.coords.latitude);
              if (me) {
                map.removeLayer(me);
              }
              me = L.circleMarker(here, { radius: 8, color: "#fff", weight: 3, fillColor: "#1e88e5", fillOpacity: 1 }).addTo(map);
              map.setView(here, Math.max(map.getZoom(), 16));
            },
            function (error) {
              button.disabled = false;
              say(error && error.code === 1 ? d.refusedText : d.unavailableText);
            },
            { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
          );
        });
      }
    }
  }

  // --- The dashboard's heat layer ---------------------------------------------------------
  function heatMap(element, settings, projection) {
    var d = element.dataset;
    var filters = readJSON("hive-map-query", {}) || {};
    var map = makeMap(element, settings, projection);
    fitTo(map, readJSON("hive-map-bounds", null), projection);
    var outlines = null;
    if (d.gridsUrl) {
      outlines = L.geoJSON(null, {
        coordsToLatLng: projection.coordsToLatLng,
        style: { color: "#566573", weight: 1, fill: false },
        interactive: false,
      }).addTo(map);
      getJSON(d.gridsUrl, { community: filters.community })
        .then(function (data) {
          outlines.addData(data);
          var bounds = outlines.getBounds();
          if (bounds.isValid()) {
            map.fitBounds(bounds, { padding: [16, 16] });
          }
        })
        .catch(function () {});
    }
    getJSON(d.heatUrl, filters)
      .then(function (data) {
        var points = data.features.map(function (f) {
          var c = f.geometry.coordinates;
          var latlng = projection.show(c[0], c[1]);
          return [latlng.lat, latlng.lng, f.properties.weight];
        });
        if (L.heatLayer) {
          L.heatLayer(points, { radius: 30, blur: 20, maxZoom: 15, max: 1.0, minOpacity: 0.35 }).addTo(map);
        }
        if (points.length && !readJSON("hive-map-bounds", null) && !(outlines && outlines.getLayers().length)) {
          map.fitBounds(L.latLngBounds(points.map(function (p) { return [p[0], p[1]]; })), { padding: [16, 16], maxZoom: 16 });
        }
        if (!points.length && d.emptyText) {
          element.setAttribute("data-empty", d.emptyText);
        }
      })
      .catch(function () {
        element.setAttribute("data-empty", d.errorText || "");
      });
  }

  function start() {
    if (!window.L || !window.HiveMap) {
      return;
    }
    var settings = window.HiveMap.settings() || {};
    var projection = new Projection();
    var kinds = { staff: staffMap, grid: gridMap, heat: heatMap };
    document.querySelectorAll("[data-hive-map]").forEach(function (element) {
      var kind = kinds[element.dataset.hiveMap];
      if (kind) {
        kind(element, settings, projection);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
