#pragma once
// The console's page, script and style (console/index.html, app.js, app.css), built into the daemon by
// CMake (console/embed.cmake): one binary, nothing fetched from elsewhere (the Content-Security-Policy
// allows only the console's own origin).

namespace twinbench::edge {
extern const char* const kConsoleHtml;
extern const char* const kConsoleJs;
extern const char* const kConsoleCss;
}  // namespace twinbench::edge
