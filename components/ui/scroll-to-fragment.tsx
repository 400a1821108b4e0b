"use client";

import { useEffect } from "react";

/**
 * Brings the element the address's fragment (`#…`) names into view once the page is in place. Pages
 * stream in behind the app's loading state, so the browser's own jump can come before the element
 * exists and leave the reader at the top: an error's `type` link to its entry in /docs did, one time
 * in two.
 */
export function ScrollToFragment() {
  useEffect(() => {
    const fragment = window.location.hash.slice(1);
    let id = fragment;
    try {
      id = decodeURIComponent(fragment);
    } catch {
      // A fragment whose %-encoding is broken names the element as it is written.
    }
    if (id) document.getElementById(id)?.scrollIntoView();
  }, []);
  return null;
}
