// Labelled customer messages for the language detection test: 26 languages, each with a short message (6 to 9
// words), one with an order or tracking number, and a longer one, written the way customers write to a shop.
// Every message has at least six words, so each one should be detected on its own.

export interface LabelledMessage {
  /** ISO 639-1 code, as detection reports it. */
  language: string;
  text: string;
}

export const LABELLED_MESSAGES: LabelledMessage[] = [
  // English
  { language: 'en', text: 'Hi, has my parcel been sent yet?' },
  { language: 'en', text: 'Can I still change my delivery address?' },
  { language: 'en', text: 'Is the Air Max 90 back in stock soon?' },
  { language: 'en', text: 'Thanks, the refund for #A-2291 arrived today.' },
  { language: 'en', text: 'Order 58213 still says processing, can you check it please?' },
  { language: 'en', text: 'Do you deliver tulips on Sundays? lx3k9a1234' },
  {
    language: 'en',
    text: 'I bought a pair of boots last week and they are a size too small. What is the easiest way to swap them for a bigger pair without paying for shipping again?',
  },
  // German
  { language: 'de', text: 'Wie lange dauert der Versand nach Österreich normalerweise, können Sie mir das sagen?' },
  { language: 'de', text: 'Kann ich auch per Rechnung bezahlen?' },
  { language: 'de', text: 'Hallo, wo bleibt meine Bestellung? Danke schon mal.' },
  { language: 'de', text: 'Meine Bestellung 40017-B ist leider beschädigt angekommen, was kann ich tun?' },
  {
    language: 'de',
    text: 'Ich habe gestern zwei Jacken bestellt, aber versehentlich die falsche Größe gewählt. Kann ich die Bestellung noch ändern, bevor sie verschickt wird?',
  },
  // French
  { language: 'fr', text: 'Bonjour, est-ce que vous livrez en Belgique ?' },
  { language: 'fr', text: 'Merci, je vais attendre encore quelques jours alors.' },
  { language: 'fr', text: "Ma commande n° 77120 n'est toujours pas arrivée, pouvez-vous vérifier ?" },
  {
    language: 'fr',
    text: "J'ai reçu le colis ce matin mais il manque un des deux coussins. Comment puis-je obtenir celui qui manque sans repasser commande ?",
  },
  // Spanish
  { language: 'es', text: '¿Cuánto tarda el envío a Valencia normalmente?' },
  { language: 'es', text: 'Gracias, ¿y si no estoy en casa?' },
  { language: 'es', text: 'Hola, el pedido 3391-ES llegó roto, ¿qué hago ahora?' },
  {
    language: 'es',
    text: 'Quería devolver unas zapatillas que me quedan pequeñas, pero no encuentro la etiqueta de devolución en la caja. ¿Me la pueden enviar por correo?',
  },
  // Italian
  { language: 'it', text: 'Buongiorno, spedite anche in Svizzera oppure no?' },
  { language: 'it', text: 'Grazie mille, allora aspetto la mail di conferma.' },
  { language: 'it', text: "L'ordine 120455 risulta consegnato ma io non ho ricevuto niente." },
  {
    language: 'it',
    text: 'Ho ordinato un divano la settimana scorsa e vorrei sapere se è possibile scegliere il giorno della consegna, perché lavoro fino alle sei.',
  },
  // Portuguese
  { language: 'pt', text: 'Olá, vocês enviam encomendas para os Açores?' },
  { language: 'pt', text: 'Obrigado, e quanto custa o envio expresso?' },
  { language: 'pt', text: 'A minha encomenda PT-88120 ainda não chegou, podem ajudar?' },
  {
    language: 'pt',
    text: 'Comprei um casaco no vosso site mas a cor é diferente da fotografia. Gostaria de trocar por outro modelo, como devo fazer?',
  },
  // Dutch
  { language: 'nl', text: 'Hoi, wanneer wordt mijn pakketje eigenlijk bezorgd?' },
  { language: 'nl', text: 'Kan ik ook achteraf betalen via de app?' },
  { language: 'nl', text: 'Bestelling 66012 is nog steeds niet verzonden, klopt dat wel?' },
  {
    language: 'nl',
    text: 'Ik heb per ongeluk twee keer hetzelfde bestelt en wil er eentje annuleren. Kunnen jullie het tweede pakket tegenhouden voordat het verstuurd wordt?',
  },
  // Polish
  { language: 'pl', text: 'Dzień dobry, kiedy wyślecie moje zamówienie do Krakowa?' },
  { language: 'pl', text: 'Dziękuję, a ile kosztuje wysyłka kurierem?' },
  { language: 'pl', text: 'Zamówienie nr 55731 przyszło niekompletne, brakuje jednej książki.' },
  {
    language: 'pl',
    text: 'Chciałabym zwrócić sukienkę, bo jest za duża, ale nie wiem, czy muszę sama zapłacić za przesyłkę zwrotną. Proszę o informację.',
  },
  // Czech
  { language: 'cs', text: 'Dobrý den, kdy mi dorazí objednaný balík?' },
  { language: 'cs', text: 'Děkuji, a můžu platit i kartou?' },
  { language: 'cs', text: 'Objednávka číslo 20931 stále není odeslaná, co se děje?' },
  {
    language: 'cs',
    text: 'Koupil jsem u vás kávovar a po týdnu přestal fungovat. Můžete mi prosím poradit, jak ho reklamovat a kam ho mám poslat?',
  },
  // Slovak
  { language: 'sk', text: 'Dobrý deň, posielate tovar aj na Slovensko?' },
  { language: 'sk', text: 'Ďakujem, a koľko stojí doprava kuriérom?' },
  { language: 'sk', text: 'Moja objednávka 31877 ešte neprišla, môžete to prosím skontrolovať?' },
  {
    language: 'sk',
    text: 'Včera som si objednala topánky, ale zabudla som zmeniť adresu doručenia. Dá sa to ešte opraviť, kým balík neodíde zo skladu?',
  },
  // Hungarian
  { language: 'hu', text: 'Jó napot, mikor érkezik meg a csomagom?' },
  { language: 'hu', text: 'Köszönöm, és lehet kártyával is fizetni?' },
  { language: 'hu', text: 'A 48290-es rendelésem még mindig nem érkezett meg, mi a helyzet?' },
  {
    language: 'hu',
    text: 'Tegnap rendeltem két pólót, de rossz méretet választottam. Lehetséges még módosítani a rendelést, mielőtt elküldik?',
  },
  // Romanian
  { language: 'ro', text: 'Bună ziua, livrați și în Republica Moldova?' },
  { language: 'ro', text: 'Mulțumesc, pot plăti și cu cardul la livrare?' },
  { language: 'ro', text: 'Comanda mea 70114 nu a ajuns încă, puteți verifica vă rog?' },
  {
    language: 'ro',
    text: 'Am primit coletul astăzi, dar una dintre căni era spartă. Cum pot să primesc o cană nouă fără să plătesc din nou transportul?',
  },
  // Swedish
  { language: 'sv', text: 'Hej, hur lång tid tar leveransen till Göteborg?' },
  { language: 'sv', text: 'Tack, kan jag betala med Swish också?' },
  { language: 'sv', text: 'Min beställning 90321 har inte kommit än, kan ni kolla?' },
  {
    language: 'sv',
    text: 'Jag köpte en jacka förra veckan men den är för liten. Hur gör jag för att byta den mot en större storlek?',
  },
  // Danish
  { language: 'da', text: 'Hej, hvornår bliver min pakke leveret til mig?' },
  { language: 'da', text: 'Tak, kan jeg også betale med MobilePay?' },
  { language: 'da', text: 'Ordre 12987 er stadig ikke afsendt, hvad sker der?' },
  {
    language: 'da',
    text: 'Jeg har modtaget den forkerte farve sofa pude og vil gerne bytte den. Skal jeg selv betale for at sende den retur til jer?',
  },
  // Finnish
  { language: 'fi', text: 'Hei, milloin tilaukseni lähetetään minulle kotiin?' },
  { language: 'fi', text: 'Kiitos, voiko tilauksen maksaa myös laskulla?' },
  { language: 'fi', text: 'Tilaus 65002 ei ole vieläkään saapunut, voitteko tarkistaa sen?' },
  {
    language: 'fi',
    text: 'Ostin teiltä kengät viime viikolla, mutta ne ovat liian pienet. Miten voin vaihtaa ne isompaan kokoon ilman lisäkuluja?',
  },
  // Norwegian
  { language: 'no', text: 'Hei, sender dere pakker til Nord-Norge også?' },
  { language: 'no', text: 'Takk, kan jeg betale med Vipps også?' },
  { language: 'no', text: 'Bestillingen min 44120 har ikke kommet ennå, kan dere sjekke?' },
  {
    language: 'no',
    text: 'Jeg bestilte en lampe for to uker siden, men sporingen har ikke endret seg siden mandag. Vet dere hvor pakken er nå?',
  },
  // Greek
  { language: 'el', text: 'Γεια σας, πότε θα φτάσει η παραγγελία μου;' },
  { language: 'el', text: 'Ευχαριστώ, μπορώ να πληρώσω με αντικαταβολή;' },
  { language: 'el', text: 'Η παραγγελία 38211 δεν έχει αποσταλεί ακόμα, τι συμβαίνει;' },
  {
    language: 'el',
    text: 'Αγόρασα ένα φόρεμα την περασμένη εβδομάδα αλλά είναι πολύ μεγάλο. Πώς μπορώ να το αλλάξω με μικρότερο μέγεθος;',
  },
  // Bulgarian
  { language: 'bg', text: 'Здравейте, кога ще пристигне моята пратка?' },
  { language: 'bg', text: 'Благодаря, мога ли да платя с наложен платеж?' },
  { language: 'bg', text: 'Поръчка номер 51190 още не е изпратена, защо се бави?' },
  {
    language: 'bg',
    text: 'Получих колета днес, но един от чиниите беше счупен. Как мога да получа нова чиния, без да плащам отново за доставка?',
  },
  // Russian
  { language: 'ru', text: 'Здравствуйте, когда придёт мой заказ в Ригу?' },
  { language: 'ru', text: 'Спасибо, а можно оплатить картой при получении?' },
  { language: 'ru', text: 'Заказ 84410 до сих пор не отправлен, подскажите, пожалуйста, почему?' },
  {
    language: 'ru',
    text: 'Я купила у вас куртку на прошлой неделе, но она оказалась мала. Как мне обменять её на размер побольше?',
  },
  // Ukrainian
  { language: 'uk', text: 'Доброго дня, коли буде відправлено моє замовлення?' },
  { language: 'uk', text: 'Дякую, а можна оплатити карткою при отриманні?' },
  { language: 'uk', text: 'Замовлення 27731 досі не прийшло, перевірте, будь ласка.' },
  {
    language: 'uk',
    text: 'Я отримала посилку, але в ній не вистачає однієї чашки з набору. Що мені робити, щоб отримати те, чого не вистачає?',
  },
  // Turkish
  { language: 'tr', text: 'Merhaba, siparişim ne zaman kargoya verilecek acaba?' },
  { language: 'tr', text: 'Teşekkürler, kapıda ödeme seçeneği de var mı?' },
  { language: 'tr', text: '60218 numaralı siparişim hâlâ gelmedi, kontrol edebilir misiniz?' },
  {
    language: 'tr',
    text: 'Geçen hafta bir ceket aldım ama bedeni küçük geldi. Daha büyük bir bedenle nasıl değiştirebilirim, kargo ücretini ben mi ödeyeceğim?',
  },
  // Japanese
  { language: 'ja', text: '注文した商品はいつ届きますか？' },
  { language: 'ja', text: 'ありがとうございます。カードで払えますか？' },
  { language: 'ja', text: '注文番号78812の荷物がまだ届いていません。確認していただけますか。' },
  {
    language: 'ja',
    text: '先週ジャケットを購入しましたが、サイズが小さかったので、大きいサイズに交換したいです。送料はかかりますか？',
  },
  // Chinese
  { language: 'zh', text: '你好，我的包裹什么时候能到？' },
  { language: 'zh', text: '谢谢，可以用信用卡付款吗？' },
  { language: 'zh', text: '订单号 99031 到现在还没有发货，请帮我查一下。' },
  { language: 'zh', text: '上周买的外套尺码太小了，我想换一件大一号的，请问需要自己付运费吗？' },
  // Korean
  { language: 'ko', text: '안녕하세요, 제 주문은 언제 배송되나요? 빨리 받고 싶어요.' },
  { language: 'ko', text: '감사합니다. 혹시 카드로 결제할 수 있나요?' },
  { language: 'ko', text: '주문 번호 41170 상품이 아직 도착하지 않았습니다. 확인 부탁드립니다.' },
  {
    language: 'ko',
    text: '지난주에 신발을 샀는데 사이즈가 너무 작아요. 더 큰 사이즈로 교환하려면 어떻게 해야 하나요?',
  },
  // Arabic
  { language: 'ar', text: 'مرحبا، متى سيصل طلبي إلى عنواني؟' },
  { language: 'ar', text: 'شكرا لكم، هل يمكنني الدفع عند الاستلام؟' },
  { language: 'ar', text: 'الطلب رقم 33870 لم يصل بعد، هل يمكنكم التحقق من ذلك؟' },
  {
    language: 'ar',
    text: 'اشتريت معطفا الأسبوع الماضي لكنه صغير جدا. كيف يمكنني استبداله بمقاس أكبر دون دفع رسوم الشحن مرة أخرى؟',
  },
  // Hebrew
  { language: 'he', text: 'שלום, מתי החבילה שלי תגיע אליי הביתה?' },
  { language: 'he', text: 'תודה, אפשר לשלם גם בכרטיס אשראי?' },
  { language: 'he', text: 'הזמנה מספר 70921 עדיין לא נשלחה, אפשר לבדוק בבקשה?' },
  {
    language: 'he',
    text: 'קניתי אצלכם נעליים בשבוע שעבר אבל הן קטנות מדי. איך אפשר להחליף אותן במידה גדולה יותר?',
  },
];
