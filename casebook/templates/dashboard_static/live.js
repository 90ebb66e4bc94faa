// The static page is complete by itself. On the public server (not from disk) it offers the live
// Voila view; the server says whether a kernel is free for this reader (/published/api/live) and
// the page stays static when not. Nothing here is needed to read the page.
(function(){
  var box=document.getElementById('wb-live');
  if(!box || location.protocol==='file:') return;
  var status=document.getElementById('wb-live-status');
  var busy='いまは操作できる画面が混み合っています。このページ（同じ内容）をそのままご覧ください。';
  if(new URLSearchParams(location.search).get('busy')) status.textContent=busy;
  box.hidden=false;
  function target(){
    var url=box.getAttribute('data-live'), extra=[];
    var y=document.getElementById('f-year'), q=document.getElementById('cb-q');
    if(y && y.value) extra.push('year='+encodeURIComponent(y.value));
    if(q && q.value) extra.push('q='+encodeURIComponent(q.value));
    return extra.length ? url+(url.indexOf('?')<0?'?':'&')+extra.join('&') : url;
  }
  document.getElementById('wb-live-open').addEventListener('click',function(){
    status.textContent='確認しています…';
    fetch('/published/api/live',{cache:'no-store'}).then(function(r){return r.json();}).then(function(a){
      if(a && a.live){ location.href=target(); } else { status.textContent=busy; }
    }).catch(function(){ status.textContent=busy; });
  });
})();
