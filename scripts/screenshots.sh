#!/usr/bin/env bash
# Opens the tour page in headless Chromium, steps to every frame through the page's own
# #frame=N addressing, checks that the page's script showed each one (via the DOM), and saves a
# screenshot of each at 1400 px and of one frame at 900 px; then checks that with JavaScript
# off the page shows every frame. Then starts `gomap explore` and does the same for a few states
# of its page, each named by its address (the map's kind and op list), checking that the page
# loaded every op.
#
#   scripts/screenshots.sh [OUT_DIR]        (default target/screenshots; relative to where it
#                                            is run, or absolute)
#
# Needs Debian's chromium. With GOMAP_INSTALL_CHROMIUM=1 it tries `apt-get install -y chromium`
# first (CI). When no browser can be had it exits 0 with a note, unless GOMAP_REQUIRE_CHROMIUM
# is set, so CI can run it unconditionally.
set -euo pipefail
out="${1:-}"
if [ -n "$out" ]; then
  mkdir -p "$out"
  out="$(cd "$out" && pwd)"
fi
cd "$(dirname "$0")/.."
out="${out:-$(pwd)/target/screenshots}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

find_browser() {
  for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then echo "$b"; return; fi
  done
}
browser="$(find_browser)"
if [ -z "$browser" ] && [ -n "${GOMAP_INSTALL_CHROMIUM:-}" ] && command -v apt-get >/dev/null; then
  echo "screenshots: installing chromium"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null 2>&1 || true
  browser="$(find_browser)"
fi
if [ -z "$browser" ]; then
  if [ -n "${GOMAP_REQUIRE_CHROMIUM:-}" ]; then
    echo "screenshots: no chromium found" >&2; exit 1
  fi
  echo "screenshots: skipped (no chromium; apt-get install -y chromium)"; exit 0
fi

page="$out/tour.html"
cargo run --release --quiet -- tour --html "$page" --color never >/dev/null
frames=$(grep -c '<section class="frame"' "$page")
echo "screenshots: $frames frames in $page, using $browser"

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
  --disable-background-networking --disable-component-update --disable-sync
  --hide-scrollbars --user-data-dir="$profile" --virtual-time-budget=2000)

fail=0
for n in $(seq 1 "$frames"); do
  url="file://$page#frame=$n"
  # The page's script marks the frame it shows on <body data-frame>; check it took the hash.
  dom="$("$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)"
  if ! grep -q "<body data-frame=\"$n\"" <<<"$dom"; then
    echo "screenshots: frame $n: the page did not select it" >&2; fail=1
  fi
  hidden_ok=$(grep -o "<section class=\"frame\" id=\"frame-$n\"[^>]*>" <<<"$dom" || true)
  if grep -q hidden <<<"$hidden_ok"; then
    echo "screenshots: frame $n is still hidden" >&2; fail=1
  fi
  if [ "$(grep -c '<section class="frame"[^>]*hidden' <<<"$dom")" -ne $((frames - 1)) ]; then
    echo "screenshots: frame $n: the script did not hide the other frames" >&2; fail=1
  fi
  shot="$out/frame-$(printf %02d "$n").png"
  "$browser" "${flags[@]}" --window-size=1400,1100 --screenshot="$shot" "$url" >/dev/null 2>&1
  echo "screenshots: $shot"
done

# The narrowest width the page is meant for: text keeps its size, the picture scrolls.
shot="$out/frame-14-900px.png"
"$browser" "${flags[@]}" --window-size=900,1100 --screenshot="$shot" "file://$page#frame=14" >/dev/null 2>&1
echo "screenshots: $shot"

# Without JavaScript every frame is on the page, none hidden: the same page with its script
# taken out (headless Chromium's --dump-dom needs scripts on), rendered and screenshotted.
noscript="$out/tour-no-script.html"
sed '/^<script>/,/<\/script>/d' "$page" >"$noscript"
dom="$("$browser" "${flags[@]}" --dump-dom "file://$noscript" 2>/dev/null)"
shown=$(grep -o '<section class="frame"[^>]*>' <<<"$dom" | grep -vc hidden || true)
if [ "$shown" -ne "$frames" ]; then
  echo "screenshots: without JavaScript $shown of $frames frames show" >&2; fail=1
else
  echo "screenshots: without JavaScript all $frames frames show"
fi
shot="$out/no-script.png"
"$browser" "${flags[@]}" --window-size=1400,1100 --screenshot="$shot" "file://$noscript" >/dev/null 2>&1
echo "screenshots: $shot"

# The explorer: a live server; each state is an address the page rebuilds the map from.
log="$profile/explore.log"
target/release/gomap explore >"$log" 2>&1 &
explore_pid=$!
trap 'kill $explore_pid 2>/dev/null; rm -rf "$profile"' EXIT
for _ in $(seq 50); do grep -q http "$log" && break; sleep 0.1; done
base="$(grep -o 'http://[^ ]*' "$log")"
nine="i:0,i:1,i:2,i:3,i:4,i:5,i:6,i:7,i:8"
held="r:0..26,hold:on,i:26"
states=(
  "nine-inserts|key=u64&hasher=modulo&seed=0&ops=$nine"
  "lookup|key=u64&hasher=modulo&seed=0&ops=$nine,l:6"
  "held-grow|key=u64&hasher=modulo&seed=0&ops=$held"
  "evacuate-next|key=u64&hasher=modulo&seed=0&ops=$held,evac"
  "strings|key=string&hasher=mem&seed=7&ops=r:0..20,d:key-3,i:gopher"
  "iterate|key=u64&hasher=modulo&seed=0&ops=r:0..20,d:5,it:12345"
)
for s in "${states[@]}"; do
  name="${s%%|*}" query="${s#*|}"
  ops="${query#*ops=}"
  want=$(($(tr -cd , <<<"$ops" | wc -c) + 1))
  url="$base?$query"
  dom="$("$browser" "${flags[@]}" --dump-dom "$url" 2>/dev/null)"
  if ! grep -q "data-step=\"$want\"" <<<"$dom"; then
    echo "screenshots: explore $name: the page did not load its $want ops" >&2; fail=1
  fi
  "$browser" "${flags[@]}" --window-size=1400,1000 \
    --screenshot="$out/explore-$name.png" "$url" >/dev/null 2>&1
  echo "screenshots: $out/explore-$name.png"
done
exit $fail
