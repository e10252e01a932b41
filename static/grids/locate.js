// "Use my location" on the report forms: fills the latitude and longitude fields from
// the phone's position. The button starts hidden and stays so without geolocation.
(function () {
  var button = document.querySelector("[data-locate]");
  if (!button) {
    return;
  }
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  var status = document.querySelector("[data-locate-status]");
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        document.getElementById(button.dataset.latitude).value = position.coords.latitude.toFixed(6);
        document.getElementById(button.dataset.longitude).value = position.coords.longitude.toFixed(6);
        // The map pin (pin_map.js) moves there.
        document.dispatchEvent(
          new CustomEvent("hive:located", {
            detail: { latitude: position.coords.latitude, longitude: position.coords.longitude },
          })
        );
        button.disabled = false;
        if (status) {
          status.textContent = button.dataset.done;
        }
      },
      function () {
        button.disabled = false;
        if (status) {
          status.textContent = button.dataset.failed;
        }
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
    );
  });
})();
