// The API tokens page: the "Copy" button beside a new token's secret. Shown only with
// this script; without it the secret is still in a read-only field to select and copy.
document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const result = button.closest("section").querySelector(".copy-result");
  if (!field) return;
  button.hidden = false;
  button.addEventListener("click", async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(field.value);
      copied = true;
    } catch {
      // No clipboard API (a plain-http address other than localhost): the old way.
      field.select();
      copied = document.execCommand("copy");
    }
    if (result) {
      result.textContent = copied ? "Copied." : "Select the token and copy it yourself.";
    }
  });
});
