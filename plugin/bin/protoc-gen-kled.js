#!/usr/bin/env node
// Entry point that buf and protoc run: reads a CodeGeneratorRequest on stdin.
import { runNodeJs } from "@bufbuild/protoplugin";
import { protocGenKled } from "../dist/index.js";

runNodeJs(protocGenKled);
