/* argmap's admin workbench, in plain JavaScript (no build step, nothing from a CDN).

   - Quote selection: the selected passage of the source text becomes a statement's
     quote with its exact offsets. Offsets are counted in Unicode code points, as Python
     indexes the stored text (JavaScript strings count UTF-16 units: an emoji is 2).
   - The diagram preview is fetched as SVG (revalidated by its ETag, the map's version)
     and each statement's box becomes a link to its row.
   - Autocompletes on a page where the map is chosen in a select send its id along.
*/
'use strict';
(function () {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // --- offsets -------------------------------------------------------------------------

  function isHigh(code) { return code >= 0xd800 && code <= 0xdbff; }
  function isLow(code) { return code >= 0xdc00 && code <= 0xdfff; }

  /** Code points in text.slice(0, end), end counted in UTF-16 units. */
  function codePointOffset(text, end) {
    let n = 0;
    for (let i = 0; i < end; i++) {
      if (isHigh(text.charCodeAt(i)) && i + 1 < end && isLow(text.charCodeAt(i + 1))) i++;
      n++;
    }
    return n;
  }

  /** UTF-16 offset of a range boundary inside the container's text. */
  function unitOffset(container, node, offset) {
    const range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString().length;
  }

  /** The passage selected in the source, as {quote, start, end} in code points, or a
      reason why there is none. */
  function selectedPassage(source, range) {
    if (!range || range.collapsed) return {problem: 'Select a passage of the source text first.'};
    const text = source.textContent;
    const whole = document.createRange();
    whole.selectNodeContents(source);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0 ||
        range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) {
      return {problem: 'Select a passage of the source text first.'};
    }
    let start = range.compareBoundaryPoints(Range.START_TO_START, whole) <= 0
      ? 0 : unitOffset(source, range.startContainer, range.startOffset);
    let end = range.compareBoundaryPoints(Range.END_TO_END, whole) >= 0
      ? text.length : unitOffset(source, range.endContainer, range.endOffset);
    // A quote is trimmed (the form strips it), and never cuts a character in two.
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
    if (end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
    if (start >= end) return {problem: 'The selection holds only white space.'};
    const quote = text.slice(start, end);
    const cpStart = codePointOffset(text, start);
    return {quote: quote, start: cpStart, end: cpStart + codePointOffset(quote, quote.length)};
  }

  // --- filling the form ----------------------------------------------------------------

  function setValue(field, value) {
    if (!field) return;
    field.value = value;
    field.dispatchEvent(new Event('input', {bubbles: true}));
    field.dispatchEvent(new Event('change', {bubbles: true}));
  }

  function field(row, name) {
    return row.querySelector('[name$="-' + name + '"]:not([name*="__prefix__"])');
  }

  function isBlankNewRow(row) {
    const id = field(row, 'id');
    if (id && id.value) return false;
    return ['text', 'quote', 'quote_start', 'quote_end'].every(function (name) {
      const input = field(row, name);
      return !input || !input.value.trim();
    });
  }

  /** A blank new statement row on the map's page: an unused extra row, or a new one. */
  function blankStatementRow() {
    const group = document.getElementById('statements-group');
    if (!group) return null;
    const rows = function () {
      return Array.from(group.querySelectorAll('.form-row.dynamic-statements, tr.form-row'))
        .filter(function (row) { return !row.classList.contains('empty-form') && field(row, 'text'); });
    };
    let row = rows().find(isBlankNewRow);
    if (!row) {
      const add = group.querySelector('.add-row a');
      if (!add) return null;
      add.click();
      row = rows().filter(isBlankNewRow).pop();
    }
    return row || null;
  }

  function draft(quote) {
    return quote.replace(/\s+/g, ' ').trim();
  }

  function quoteInto(panel, passage) {
    const status = panel.querySelector('#argmap-source-status');
    if (panel.dataset.mode === 'map') {
      const row = blankStatementRow();
      if (!row) {
        status.textContent = 'No room for another statement row on this page.';
        return;
      }
      setValue(field(row, 'quote'), passage.quote);
      setValue(field(row, 'quote_start'), String(passage.start));
      setValue(field(row, 'quote_end'), String(passage.end));
      setValue(field(row, 'text'), draft(passage.quote));
      row.classList.add('argmap-quoted');
      const text = field(row, 'text');
      text.scrollIntoView({block: 'center'});
      text.focus({preventScroll: true});
      status.textContent = 'Quoted characters ' + passage.start + '–' + passage.end +
        ' as a new statement row: edit its text, then save.';
    } else {
      const text = document.getElementById('id_text');
      const previous = panel.dataset.draft || '';
      setValue(document.getElementById('id_quote'), passage.quote);
      setValue(document.getElementById('id_quote_start'), String(passage.start));
      setValue(document.getElementById('id_quote_end'), String(passage.end));
      if (text && (!text.value.trim() || text.value === previous)) {
        setValue(text, draft(passage.quote));
        panel.dataset.draft = text.value;
      }
      status.textContent = 'Quoted characters ' + passage.start + '–' + passage.end +
        ': check the quote and text, then save.';
    }
  }

  function setUpQuoting(panel) {
    const source = panel.querySelector('#argmap-source-text');
    const button = panel.querySelector('#argmap-quote-button');
    if (!source || !button) return;
    // On a statement's page, its own passage in view (the page itself does not move).
    const current = source.querySelector('mark.is-current');
    if (current) source.scrollTop = current.offsetTop - source.clientHeight / 3;
    let last = null;  // the last selection inside the source, should focus move away
    document.addEventListener('selectionchange', function () {
      const selection = window.getSelection();
      if (!selection || !selection.rangeCount || selection.isCollapsed) return;
      const range = selection.getRangeAt(0);
      if (source.contains(range.startContainer) || source.contains(range.endContainer)) {
        last = range.cloneRange();
      }
    });
    // Pressing the button must not take the selection away.
    button.addEventListener('mousedown', function (event) { event.preventDefault(); });
    button.addEventListener('click', function () {
      const selection = window.getSelection();
      let range = selection && selection.rangeCount && !selection.isCollapsed
        ? selection.getRangeAt(0) : null;
      if (range && !(source.contains(range.startContainer) || source.contains(range.endContainer))) {
        range = null;
      }
      const passage = selectedPassage(source, range || last);
      if (passage.problem) {
        panel.querySelector('#argmap-source-status').textContent = passage.problem;
        return;
      }
      quoteInto(panel, passage);
    });
  }

  // --- the diagram -----------------------------------------------------------------------

  function cleanSvg(svg) {
    svg.querySelectorAll('script, foreignObject').forEach(function (e) { e.remove(); });
    svg.querySelectorAll('*').forEach(function (e) {
      Array.from(e.attributes).forEach(function (a) {
        if (/^on/i.test(a.name) || (/href$/i.test(a.name) && !/^#/.test(a.value))) {
          e.removeAttribute(a.name);
        }
      });
    });
  }

  function linkBoxes(svg) {
    svg.querySelectorAll('g.node').forEach(function (g) {
      const title = g.querySelector('title');
      const match = title && /^s(\d+)$/.exec(title.textContent.trim());
      if (!match) return;
      const link = document.createElementNS(SVG_NS, 'a');
      link.setAttribute('href', '#statement-' + match[1]);
      link.setAttribute('class', 'argmap-diagram-link');
      link.setAttribute('data-statement', match[1]);
      while (g.firstChild) link.appendChild(g.firstChild);
      g.appendChild(link);
    });
  }

  function loadDiagram(box) {
    fetch(box.dataset.svgUrl, {cache: 'no-cache', credentials: 'same-origin'})
      .then(function (response) {
        if (!response.ok) throw new Error('HTTP ' + response.status);
        box.dataset.etag = response.headers.get('ETag') || '';
        return response.text();
      })
      .then(function (text) {
        const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
        const svg = doc.documentElement;
        if (svg.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) {
          throw new Error('not an SVG');
        }
        cleanSvg(svg);
        linkBoxes(svg);
        svg.removeAttribute('width');
        svg.removeAttribute('height');
        svg.setAttribute('role', 'img');
        const img = box.querySelector('img');
        if (img) svg.setAttribute('aria-label', img.alt);
        box.replaceChildren(document.importNode(svg, true));
        box.dataset.state = 'ready';
      })
      .catch(function () {
        box.dataset.state = 'image';  // the plain image stays
      });
  }

  // --- autocompletes where the map is chosen on the page ----------------------------------

  if (window.django && window.django.jQuery) {
    window.django.jQuery.ajaxPrefilter(function (options) {
      if (!/\/autocomplete\//.test(options.url) || /[?&]map=/.test(options.url)) return;
      const select = document.getElementById('id_map');
      if (select && select.value) {
        options.url += (options.url.indexOf('?') >= 0 ? '&' : '?') +
          'map=' + encodeURIComponent(select.value);
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('.argmap-source').forEach(setUpQuoting);
    document.querySelectorAll('.argmap-diagram[data-svg-url]').forEach(loadDiagram);
  });
})();
