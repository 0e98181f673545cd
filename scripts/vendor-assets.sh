#!/usr/bin/env bash
# Copy front-end files from node_modules/ into the git-ignored static vendor folder.
set -euo pipefail
cd "$(dirname "$0")/.."

target=patron/web/static/vendor/echarts
mkdir -p "$target"
cp node_modules/echarts/dist/echarts.min.js node_modules/echarts/LICENSE "$target/"
echo "vendor-assets: ECharts $(node -p 'require("echarts/package.json").version') -> $target"
