// The app as users write it: the package by its name, its entry chosen by the export conditions.
import { GLOBAL_CACHE } from "simple-memory-cache";
import { makeApp } from "./make-app.js";

export const { twoGets, run } = makeApp(GLOBAL_CACHE);
