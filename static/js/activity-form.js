// Progressive enhancement: tick "counts as this school year's project" for project-like types until the user
// decides for themselves. The form works the same without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const wrapper = document.querySelector("[data-project-types]");
  const select = document.getElementById("activity_type");
  const box = document.getElementById("counts_as_project");
  if (!wrapper || !select || !box) return;
  const projectTypes = new Set(wrapper.dataset.projectTypes.split("|"));
  let touched = false;
  box.addEventListener("change", () => { touched = true; });
  select.addEventListener("change", () => {
    if (!touched) box.checked = projectTypes.has(select.value);
  });
});
