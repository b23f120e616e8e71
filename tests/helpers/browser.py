"""Headless Chromium as this machine can run it, for the viewer's tests and its screenshot."""

CHROMIUM = "/usr/bin/chromium"
# No GPU: WebGL on SwiftShader. No background traffic: this machine's network is closed.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
