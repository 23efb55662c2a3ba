#!/usr/bin/env bun
import { main } from "./main.ts";

await main();
