if (window.GOVUKFrontend && document.body.classList.contains("govuk-frontend-supported")) {
  window.GOVUKFrontend.initAll();
}
