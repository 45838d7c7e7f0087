// Adds an element the page itself does not have, and changes the title.
const mark = document.createElement("div");
mark.id = "gaia-extension-mark";
mark.textContent = "added by the gaia test extension";
document.body.appendChild(mark);
document.title = document.title + " [extended]";
