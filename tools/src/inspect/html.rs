//! A self-contained HTML page that steps through SVG frames (buttons, slider, arrow keys).
//! Each frame is addressable as `page.html#frame=N` (1-based), so a browser or a screenshot
//! script can open any frame directly. Without JavaScript the page shows every frame, one
//! under the other. Pictures keep their size and scroll sideways rather than shrink.

use super::svg::esc;
use std::fmt::Write;

/// One frame of the page.
#[derive(Clone, Debug, Default)]
pub struct HtmlFrame {
    /// Short heading.
    pub title: String,
    /// What happened and why, one paragraph per line.
    pub narration: String,
    /// The picture: a complete `<svg>` element.
    pub svg: String,
    /// The same state as a text picture, shown folded under the SVG (may be empty).
    pub text: String,
}

const STYLE: &str = r#"
[hidden] { display: none !important; }
body { font-family: system-ui, sans-serif; margin: 0; background: #f3f2ee; color: #222; }
header { padding: 10px 18px; background: #20324a; color: #fff; }
header h1 { font-size: 20px; margin: 0; }
nav { display: flex; gap: 8px; align-items: center; padding: 10px 18px; background: #e6e4dd;
      position: sticky; top: 0; z-index: 1; }
nav button { font-size: 15px; padding: 4px 12px; }
nav input[type=range] { flex: 1; }
#counter { min-width: 9em; font-variant-numeric: tabular-nums; }
section.frame { padding: 8px 18px 30px; }
section.frame h2 { margin: 6px 0; font-size: 19px; }
.narration p { margin: 4px 0; max-width: 70em; line-height: 1.4; }
.picture { overflow-x: auto; }
.picture svg { display: block; background: #fbfbf8; border: 1px solid #ccc; }
pre { font-size: 12px; background: #fff; padding: 8px; overflow-x: auto; }
"#;

const SCRIPT: &str = r#"
(function () {
  var frames = document.querySelectorAll('section.frame');
  var slider = document.getElementById('slider');
  var counter = document.getElementById('counter');
  var current = 1;
  document.querySelector('nav').hidden = false;
  function show(n) {
    n = Math.max(1, Math.min(frames.length, n | 0));
    current = n;
    for (var i = 0; i < frames.length; i++) { frames[i].hidden = (i !== n - 1); }
    slider.value = n;
    counter.textContent = 'Frame ' + n + ' of ' + frames.length;
    document.body.setAttribute('data-frame', n);
    if (location.hash !== '#frame=' + n) { history.replaceState(null, '', '#frame=' + n); }
  }
  function fromHash() {
    var m = /frame=(\d+)/.exec(location.hash);
    return m ? parseInt(m[1], 10) : 1;
  }
  document.getElementById('first').onclick = function () { show(1); };
  document.getElementById('prev').onclick = function () { show(current - 1); };
  document.getElementById('next').onclick = function () { show(current + 1); };
  document.getElementById('last').onclick = function () { show(frames.length); };
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  window.addEventListener('hashchange', function () { show(fromHash()); });
  document.addEventListener('keydown', function (e) {
    if (e.target === slider) { return; }
    if (e.key === 'ArrowRight' || e.key === 'PageDown') { show(current + 1); }
    else if (e.key === 'ArrowLeft' || e.key === 'PageUp') { show(current - 1); }
    else if (e.key === 'Home') { show(1); }
    else if (e.key === 'End') { show(frames.length); }
  });
  show(fromHash());
})();
"#;

/// Renders a page titled `title` that steps through `frames`.
pub fn render_html(title: &str, frames: &[HtmlFrame]) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body data-frame=\"1\">\n<header><h1>{}</h1></header>\n",
        esc(title),
        esc(title)
    );
    let _ = writeln!(
        h,
        "<nav hidden><button id=\"first\" title=\"first frame (Home)\">First</button><button id=\"prev\" title=\"previous (&#x2190;)\">&#x25C0; Prev</button><button id=\"next\" title=\"next (&#x2192;)\">Next &#x25B6;</button><button id=\"last\" title=\"last frame (End)\">Last</button><input id=\"slider\" type=\"range\" min=\"1\" max=\"{}\" value=\"1\" aria-label=\"frame\"><span id=\"counter\">Frame 1 of {}</span></nav>",
        frames.len().max(1),
        frames.len()
    );
    for (i, f) in frames.iter().enumerate() {
        let _ = writeln!(
            h,
            "<section class=\"frame\" id=\"frame-{}\">\n<h2>{}. {}</h2>\n<div class=\"narration\">",
            i + 1,
            i + 1,
            esc(&f.title)
        );
        for para in f.narration.lines().filter(|l| !l.trim().is_empty()) {
            let _ = writeln!(h, "<p>{}</p>", esc(para));
        }
        let _ = writeln!(h, "</div>\n<div class=\"picture\">\n{}</div>", f.svg);
        if !f.text.is_empty() {
            let _ = writeln!(
                h,
                "<details><summary>as text</summary><pre>{}</pre></details>",
                esc(&f.text)
            );
        }
        h.push_str("</section>\n");
    }
    let _ = write!(h, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    h
}
