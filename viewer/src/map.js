// The WebGL layer: a regl-scatterplot over the placed points, and where the camera stands.

import createScatterplot from 'regl-scatterplot';

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
    pointColorHover: '#ffffff',
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
