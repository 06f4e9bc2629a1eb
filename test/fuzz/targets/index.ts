/** Every fuzz target, by name, for the test suite and `npm run fuzz`. */
import type { FuzzTarget } from '../harness.ts';
import { oscDecodeTarget } from './osc.ts';
import { midiMappingTarget, midiParserTarget } from './midi.ts';
import { lineFramerTarget, lineMappingTarget, slipTarget } from './serial.ts';
import { fileReaderTarget, oscDispatchTarget, oscWebSocketTarget, wavFileTarget } from './hostile.ts';
import { mappingFileTarget, sceneFileTarget, sessionFileTarget, stateFileTarget } from './files.ts';

export const TARGETS: Readonly<Record<string, () => FuzzTarget<unknown>>> = {
  'osc-decode': oscDecodeTarget,
  'midi-parser': midiParserTarget,
  'midi-mapping': midiMappingTarget,
  'serial-lines': lineFramerTarget,
  'serial-line-mapping': lineMappingTarget,
  'serial-slip': slipTarget,
  'session-file': sessionFileTarget,
  'mapping-file': mappingFileTarget,
  'state-file': stateFileTarget,
  'scene-file': sceneFileTarget,
  'osc-dispatch': oscDispatchTarget,
  'osc-websocket': oscWebSocketTarget,
  'wav-file': wavFileTarget,
  'file-readers': fileReaderTarget,
};
