/**
 * The master section: its strip, the mastering chain in signal order (EQ and tilt, glue compressor,
 * width and mono bass, drive, exciter, true-peak limiter, loudness rider, dither) and the loudness panel.
 */
import { html } from '../ui.js';
import { Section } from '../controls/param.js';
import { MasterStrip } from './strip.js';
import { CompSection, EqSection } from './detail.js';
import { LoudnessPanel } from './loudness.js';

export function MasterView({ mix, go }) {
  const name = 'Master';
  return html`<div class="detail">
    <div class="detail-strip"><${MasterStrip} mix=${mix} onEdit=${() => go('mixer')} /></div>
    <div class="detail-main">
      <${LoudnessPanel} mix=${mix} />
      <div class="panels">
        <${EqSection} mix=${mix} base="/master" name=${name} hpf=${false} extra=${[['eq/tilt', 'Tilt', 'tilt EQ']]} />
        <${CompSection} mix=${mix} base="/master" name=${name} title="Glue compressor" />
        <${Section}
          mix=${mix}
          title="Stereo"
          name=${name}
          base="/master"
          params=${[['width', 'Width', 'width'], ['monobass', 'Mono bass', 'mono bass'], ['monofreq', 'Below', 'mono bass frequency']]}
        />
        <${Section} mix=${mix} title="Colour" name=${name} base="/master" params=${[['drive', 'Drive', 'drive'], ['exciter', 'Exciter', 'exciter']]} />
        <${Section}
          mix=${mix}
          title="Limiter"
          name=${name}
          base="/master"
          params=${[['limiter/on', 'On', 'limiter'], ['limiter/ceiling', 'Ceiling', 'limiter ceiling'], ['limiter/release', 'Release', 'limiter release']]}
        />
        <${Section}
          mix=${mix}
          title="Dither"
          name=${name}
          base="/master"
          params=${[['dither/on', 'On', 'dither'], ['dither/bits', 'Bits', 'dither word length'], ['dither/shaping', 'Shaped', 'noise-shaped dither']]}
        />
      </div>
    </div>
  </div>`;
}
