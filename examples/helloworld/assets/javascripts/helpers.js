/*
 * helpers.js: the helloworld project's twin of the JavaScript that Pylons shipped
 * inside the WebHelpers package. It is compiled into the helloworld binary and
 * served by static-files' Embedded service at /javascripts/helpers.js, so it needs
 * no file on disk at run time.
 */
(function (global) {
  "use strict";

  /** Escapes text for safe insertion as HTML. */
  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  /** Builds a query string from an object, as the router's URL generation does. */
  function toQuery(params) {
    return Object.keys(params)
      .map(function (key) {
        return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
      })
      .join("&");
  }

  /** Replaces the content of the element with id `id` by the text of `url`. */
  function updateElement(id, url) {
    return fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (text) { document.getElementById(id).textContent = text; });
  }

  global.Helpers = { escapeHtml: escapeHtml, toQuery: toQuery, updateElement: updateElement };
})(this);
