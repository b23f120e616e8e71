// The WebGL layer: a regl-scatterplot over the placed points, and where the camera stands.

import createScatterplot from 'regl-scatterplot';

/**
 * An empty spatial index (KDBush's format: a header for 0 items) for `scatterplot.draw`, in place
 * of the one regl-scatterplot would build: 1.1–1.3 s of the first frame at 1M points here. Its
 * index serves only its own hover and click picking, which the page does itself (picking.js):
 * its hover redraws every point, and with no index it finds nothing to hover.
 */
export const NO_SPATIAL_INDEX = (() => {
  const header = new ArrayBuffer(8);
  new Uint8Array(header, 0, 2).set([0xdb, (1 << 4) + 8]); // magic; format version 1, Float64Array coordinates
  new Uint16Array(header, 2, 1)[0] = 16; // node size
  new Uint32Array(header, 4, 1)[0] = 0; // items
  return header;
})();

export function pointSizeFor(n) {
  if (n < 2_000) return 7;
  if (n < 20_000) return 5;
  if (n < 200_000) return 3;
  return 2;
}

export function createMap(canvas, mapElement, placedCount) {
  return createScatterplot({
    canvas,
    width: 'auto',
    height: 'auto',
    backgroundColor: '#0f1217',
    // The map spans [-1, 1] both ways, and the camera shows [-1, 1] of the height: in a map
    // narrower than high, step back so that the sides are in view too.
    cameraDistance: Math.max(1, mapElement.clientHeight / Math.max(1, mapElement.clientWidth)),
    pointSize: pointSizeFor(placedCount),
    pointScaleMode: 'asinh', // points grow as you zoom in, more slowly than the map
    pointSizeSelected: 3,
    pointOutlineWidth: 2,
    pointColorActive: '#37e2ff',
    colorBy: 'valueA',
    opacityBy: 'valueB',
    opacity: [0.9, 0.08], // valueB 1: filtered out, dimmed
    actionKeyMap: {}, // no lasso or rotation: a click picks one step
    lassoInitiator: false,
    deselectOnDblClick: true,
    deselectOnEscape: true,
  });
}

/** The camera as the test hook and the URL see it: target (normalised) and distance. */
export function cameraOf(scatterplot) {
  const target = scatterplot.get('cameraTarget');
  return { target: [target[0], target[1]], distance: scatterplot.get('cameraDistance') };
}
