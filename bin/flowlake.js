#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm ci` through the prepare script), bundled (scripts/bundle.js).
import '../dist/bundle/main.js';
