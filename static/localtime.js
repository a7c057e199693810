// Shows each time on the page in the visitor's own time zone. The page is complete
// without this: its times are in the page's zone, named, inside <time datetime="…">.
// The original text stays as the element's title. No framework, no inline script, so
// the page keeps working under a strict Content-Security-Policy.
(function () {
  "use strict";
  if (!window.Intl || !Intl.DateTimeFormat || !document.querySelectorAll) {
    return;
  }
  var date = { day: "numeric", month: "short", year: "numeric" };
  var time = { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
  // The same three styles as the server's `timetag` filter (the class names them).
  var styles = {
    long: Object.assign({}, date, time),
    medium: Object.assign({ day: "numeric", month: "short" }, time),
    short: time,
  };
  var formats = {};
  try {
    Object.keys(styles).forEach(function (name) {
      // en-GB reads like the server's text ("3 Nov 2026, 09:40 CET"); the page is English.
      formats[name] = new Intl.DateTimeFormat("en-GB", styles[name]);
    });
  } catch (error) {
    return; // an old browser without these options: keep the page's own times
  }
  // Only date-times: plain dates (a day's heading) are days of the page's zone.
  var elements = document.querySelectorAll("time[datetime*='T']");
  Array.prototype.forEach.call(elements, function (element) {
    var when = new Date(element.getAttribute("datetime"));
    var format = formats[element.className] || formats.long;
    if (isNaN(when.getTime())) {
      return;
    }
    var local = format.format(when);
    if (local !== element.textContent) {
      element.title = element.textContent;
      element.textContent = local;
    }
  });
})();
