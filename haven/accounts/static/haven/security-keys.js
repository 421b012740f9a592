// Runs a security key (WebAuthn) for the form that carries its options, then sends the form
// with the browser's answer in its "credential" field. The server made the options and keeps
// their challenge; without this script the pages still work with the authenticator app's code.
"use strict";

(function () {
  function toBytes(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toText(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: toBytes(item.id), transports: item.transports };
    });
  }

  function creationOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.user.id = toBytes(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    return options;
  }

  function requestOptions(options) {
    options.challenge = toBytes(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    return options;
  }

  function answer(credential) {
    var response = credential.response;
    var result = {
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response: { clientDataJSON: toText(response.clientDataJSON) },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
    if (response.attestationObject) {
      result.response.attestationObject = toText(response.attestationObject);
      result.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      result.response.authenticatorData = toText(response.authenticatorData);
      result.response.signature = toText(response.signature);
      if (response.userHandle) {
        result.response.userHandle = toText(response.userHandle);
      }
    }
    return JSON.stringify(result);
  }

  function say(form, kind) {
    var box = form.parentNode.querySelector("[data-key-error]");
    if (box) {
      box.textContent = box.getAttribute("data-" + kind);
      box.hidden = false;
    }
  }

  function run(form) {
    var field = form.querySelector("input[name='credential']");
    var options = JSON.parse(form.getAttribute("data-options"));
    var creating = form.getAttribute("data-key-ceremony") === "create";
    var asked = creating
      ? navigator.credentials.create({ publicKey: creationOptions(options) })
      : navigator.credentials.get({ publicKey: requestOptions(options) });
    asked.then(
      function (credential) {
        field.value = answer(credential);
        form.submit();
      },
      function (error) {
        say(form, error && error.name === "NotAllowedError" ? "cancelled" : "failed");
      }
    );
  }

  function start() {
    var supported = Boolean(window.PublicKeyCredential && navigator.credentials);
    document.querySelectorAll("form[data-key-ceremony]").forEach(function (form) {
      var button = form.getAttribute("data-key-button");
      if (!supported) {
        say(form, "unsupported");
        return;
      }
      form.addEventListener("submit", function (event) {
        // A form with two buttons runs the key only for its own; the other sends the code.
        if (button && !(event.submitter && event.submitter.name === button)) {
          return;
        }
        event.preventDefault();
        run(form);
      });
    });
    if (supported) {
      document.querySelectorAll("[data-key-only]").forEach(function (element) {
        element.hidden = false;
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
